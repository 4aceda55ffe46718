# proxies.fp — POP3 proxies and gateways that send their own greeting: connection-sharing proxies
# (WinGate, CCProxy, AnalogX, Proxy+, WinProxy, UserGate, DeleGate, 3proxy), spam and virus
# filters that sit between a mail client and its server (POPFile, SpamPal, Spamihilator, K9,
# InterScan VirusWall), and webmail-to-POP3 gateways (DavMail, FreePOPs, hotwayd, YPOPs!,
# MrPostman). Most of them are configured with USER user@server or user#server, so the greeting
# is all they show. Format, bands and idioms: fingerprints/README.md and the head of unix.fp.

rule wingate
vendor      Qbik
product     WinGate
os          Windows
cpe         cpe:2.3:a:qbik:wingate:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])WinGate(?![\w-]|\.\w)(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: WinGate Engine POP3 Gateway ready
example     greeting: WinGate 6.1.4 POP3 proxy ready, send USER user#host
expect      version: 6.1.4
counterexample greeting: wingate.example.com POP3 ready

rule ccproxy
vendor      Youngzsoft
product     CCProxy
os          Windows
greeting    (?i)(?<![\w.-])CCProxy(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: CCProxy POP3 Server Ready
example     greeting: Welcome to CCProxy 8.0 POP3 proxy
expect      version: 8.0
counterexample greeting: ccproxy.example.com POP3 ready

rule analogx
vendor      AnalogX
product     Proxy
os          Windows
greeting    (?i)(?<![\w.-])AnalogX(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: AnalogX POP3 proxy ready
example     greeting: AnalogX Proxy 4.15 POP3 ready
expect      version: 4.15
counterexample greeting: analogx.example.com POP3 ready

rule proxyplus
vendor      Fortech
product     Proxy+
os          Windows
greeting    (?i)(?<![\w.-])Proxy\+(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Proxy+ POP3 server ready
example     greeting: Proxy+ 3.00 POP3 proxy ready
expect      version: 3.00
counterexample greeting: Proxy ready

rule winproxy
vendor      Ositis
product     WinProxy
os          Windows
greeting    (?i)(?<![\w.-])WinProxy(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: WinProxy POP3 Proxy ready
example     greeting: WinProxy 6.1a POP3 proxy
expect      version: 6.1
counterexample greeting: winproxy.example.com POP3 ready

rule usergate
vendor      Entensys
product     UserGate
os          Windows
greeting    (?i)(?<![\w.-])UserGate(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: UserGate POP3 proxy ready
example     greeting: UserGate 5.4 POP3 proxy server
expect      version: 5.4
counterexample greeting: usergate.example.ru POP3 ready

# DeleGate, the multi-protocol proxy of AIST, names itself with its version: "DeleGate/9.9.13".
rule delegate
vendor      AIST
product     DeleGate
greeting    (?<![\w.-])DeleGate(?:/v?(?<version>\d+\.\d+(?:\.\d+)*)[\w-]*)?(?![\w-]|\.\w)
example     greeting: Proxy-POP server (DeleGate/9.9.13) at proxy.example.com starting.
expect      version: 9.9.13
example     greeting: POP3 server (DeleGate/8.11.6-pre) ready
expect      version: 8.11.6
counterexample greeting: delegate.example.com POP3 ready
counterexample greeting: POP3 server ready, delegate access denied

# 3proxy's pop3p greets with a bare "Proxy" and waits for USER user@server. Short and plain, but
# no mail server says just that: likely, not certain.
rule 3proxy
priority    90
confidence  likely
vendor      3proxy
product     3proxy
greeting    ^Proxy\s*$
example     greeting: Proxy
counterexample greeting: Proxy ready
counterexample greeting: POP3 Proxy

rule 3proxy-named
vendor      3proxy
product     3proxy
greeting    (?i)(?<![\w.-])3proxy(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: 3proxy POP3 proxy ready
example     greeting: 3proxy 0.9.4 POP3 proxy
expect      version: 0.9.4
counterexample greeting: 3proxy.example.com POP3 ready

# POPFile, the Bayesian mail sorter: "POP3 POPFile (v1.1.3) server ready".
rule popfile
vendor      POPFile
product     POPFile
greeting    (?i)(?<![\w.-])POPFile(?![\w-]|\.\w)(?:[^<]{0,10}?(?<![\w.])\(?[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POP3 POPFile (v1.1.3) server ready
expect      version: 1.1.3
example     greeting: POP3 POPFile (vX.Y.Z) server ready
expect      version:
example     greeting: POP3 POPFile (v0.22.5) server ready
expect      version: 0.22.5
counterexample greeting: popfile.example.com POP3 ready

rule spampal
vendor      SpamPal
product     SpamPal
os          Windows
greeting    (?i)(?<![\w.-])SpamPal(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: SpamPal POP3 proxy ready
example     greeting: SpamPal 1.594 POP3 proxy ready
expect      version: 1.594
counterexample greeting: spampal.example.com POP3 ready

rule spamihilator
vendor      Spamihilator
product     Spamihilator
os          Windows
greeting    (?i)(?<![\w.-])Spamihilator(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Spamihilator POP3 proxy ready
example     greeting: Spamihilator 1.6.0 POP3
expect      version: 1.6.0
counterexample greeting: spamihilator.example.com POP3 ready

# K9 (Robin Keir's spam filter): "K9" is short, so only with its POP3/proxy context.
rule k9
vendor      Robin Keir
product     K9
os          Windows
greeting    (?<![\w.-])K9(?: v?(?<version>\d+\.\d+(?:\.\d+)*))? (?:POP3|[Pp]roxy)\b
example     greeting: K9 POP3 proxy ready
example     greeting: K9 v1.28 POP3 proxy ready
expect      version: 1.28
counterexample greeting: K9 ready
counterexample greeting: k9.example.com POP3 ready

rule interscan
vendor      Trend Micro
product     InterScan VirusWall
greeting    (?i)(?<![\w.-])InterScan(?: VirusWall)?(?![\w-]|\.\w)(?:[^<]{0,40}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: InterScan VirusWall POP3 proxy ready
example     greeting: mail.example.com InterScan VirusWall NT POP3 Proxy (version 3.8) ready
expect      version: 3.8
counterexample greeting: interscan.example.com POP3 ready

# DavMail, the Exchange/Office 365 gateway: "DavMail 6.0.1-3390 POP ready at DATE".
rule davmail
vendor      DavMail
product     DavMail
greeting    (?i)(?<![\w.-])DavMail(?![\w-]|\.\w)(?: v?(?<version>\d+\.\d+(?:\.\d+)*)[\w-]*)?
example     greeting: DavMail 6.0.1-3390 POP ready at Sun Jan 01 10:00:00 CET 2023
expect      version: 6.0.1
example     greeting: DavMail 4.8.6-2589 POP ready at Mon Jun 02 08:12:44 UTC 2019
expect      version: 4.8.6
example     greeting: DavMail POP ready at Mon Jun 02 08:12:44 UTC 2019
expect      version:
counterexample greeting: davmail.example.com POP3 ready

rule freepops
vendor      FreePOPs
product     FreePOPs
greeting    (?i)(?<![\w.-])FreePOPs(?:/v?(?<version>\d+\.\d+(?:\.\d+)*)[\w-]*)?(?![\w-]|\.\w)
example     greeting: FreePOPs/0.2.9 pop3 server ready
expect      version: 0.2.9
example     greeting: FreePOPs POP3 ready
counterexample greeting: freepops.example.com POP3 ready

rule hotwayd
vendor      hotwayd
product     hotwayd
greeting    (?i)(?<![\w.-])hotwayd(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POP3 hotwayd v0.8.4 -> The POP3-HTTPMail Gateway. Server ready
expect      version: 0.8.4
counterexample greeting: hotwayd.example.com POP3 ready

rule ypops
vendor      YPOPs!
product     YPOPs!
greeting    (?i)(?<![\w.-])YPOPs(?:!|(?![\w-]|\.\w))(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: YPOPs! POP3 server ready
example     greeting: YPOPs! 0.9.7.3 POP3 ready
expect      version: 0.9.7.3
counterexample greeting: ypops.example.com POP3 ready

rule mrpostman
vendor      MrPostman
product     MrPostman
greeting    (?i)(?<![\w.-])MrPostman(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: MrPostman POP3 server ready
example     greeting: MrPostman 1.1.3 ready
expect      version: 1.1.3
counterexample greeting: mrpostman.example.com POP3 ready
