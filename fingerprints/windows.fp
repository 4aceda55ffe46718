# windows.fp — Microsoft's POP3 servers (Exchange from 5.0 to Exchange Online, the Windows POP3
# Service, Commercial Internet System) and the long tail of Windows mail servers: MDaemon,
# hMailServer, Kerio, IceWarp/Merak/VisNetic, SmarterMail, MailEnable, IMail, Mercury, ArGoSoft,
# XMail, SurgeMail, MailSite, and the small commercial and shareware servers. Format, bands and
# idioms: fingerprints/README.md and the head of unix.fp.

# ===========================================================================================
# Microsoft Exchange
# ===========================================================================================

# Exchange 5.0 to 2003 name themselves and their build: "Microsoft Exchange [Server 2003 ]POP3
# server version 6.5.7638.1 (HOST) ready." Localised builds translate the words around the
# version ("POP3-Server, Version …, bereit"), so the rules look for the name, then the build
# number of the release: 5.0.x, 5.5.x, 6.0.x (2000), 6.5.x (2003).
rule exchange-5.0
vendor      Microsoft
product     Exchange Server 5.0
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:5.0:*:*:*:*:*:*:*
greeting    \bMicrosoft Exchange\b[^<]{0,60}?(?<![\d.])(?<version>5\.0\.\d+(?:\.\d+)*)(?: \((?<host>[^)\s]+)\))?
example     greeting: Microsoft Exchange POP3 server version 5.0.1457.7 ready
expect      version: 5.0.1457.7
expect      cpe: cpe:2.3:a:microsoft:exchange_server:5.0:*:*:*:*:*:*:*
counterexample greeting: Microsoft Exchange POP3 server version 5.5.2653.23 ready

rule exchange-5.5
vendor      Microsoft
product     Exchange Server 5.5
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:5.5:*:*:*:*:*:*:*
greeting    \bMicrosoft Exchange\b[^<]{0,60}?(?<![\d.])(?<version>5\.5\.\d+(?:\.\d+)*)(?: \((?<host>[^)\s]+)\))?
example     greeting: Microsoft Exchange POP3 server version 5.5.2653.23 ready
expect      version: 5.5.2653.23
expect      cpe: cpe:2.3:a:microsoft:exchange_server:5.5:*:*:*:*:*:*:*
example     greeting: Microsoft Exchange POP3 server version 5.5.2658.24 (exch55.corp.example.com) ready.
expect      host: exch55.corp.example.com
example     greeting: Microsoft Exchange POP3-Server Version 5.5.2653.23 bereit
expect      version: 5.5.2653.23
counterexample greeting: Microsoft Exchange Server 2003 POP3 server version 6.5.5555.1 ready
counterexample greeting: Microsoft Exchange POP3 server ready

rule exchange-2000
vendor      Microsoft
product     Exchange Server 2000
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2000:*:*:*:*:*:*:*
greeting    \bMicrosoft Exchange\b[^<]{0,60}?(?<![\d.])(?<version>6\.0\.\d+(?:\.\d+)*)(?: \((?<host>[^)\s]+)\))?
example     greeting: Microsoft Exchange 2000 POP3 server version 6.0.6249.0 (mail.example.com) ready.
expect      version: 6.0.6249.0
expect      host: mail.example.com
example     greeting: Microsoft Exchange 2000 POP3 server version 6.0.6603.0 (EXCHANGE) ready.
expect      host: EXCHANGE
example     greeting: Microsoft Exchange 2000 POP3-Server Version 6.0.6249.0 (mail.example.de) bereit.
expect      host: mail.example.de

rule exchange-2003
vendor      Microsoft
product     Exchange Server 2003
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2003:*:*:*:*:*:*:*
greeting    \bMicrosoft Exchange\b[^<]{0,60}?(?<![\d.])(?<version>6\.5\.\d+(?:\.\d+)*)(?: \((?<host>[^)\s]+)\))?
example     greeting: Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 (mx.example.com) ready.
expect      vendor: Microsoft
expect      product: Exchange Server 2003
expect      version: 6.5.7638.1
expect      os: Windows
expect      host: mx.example.com
expect      cpe: cpe:2.3:a:microsoft:exchange_server:2003:*:*:*:*:*:*:*
example     greeting: Microsoft Exchange Server 2003 POP3 server version 6.5.7226.0 (EXCH01.corp.example.local) ready.
expect      version: 6.5.7226.0
example     greeting: Microsoft Exchange Server 2003 POP3-Server, Version 6.5.7638.1 (mail.example.de) bereit.
expect      host: mail.example.de
example     greeting: Serveur POP3 Microsoft Exchange Server 2003 version 6.5.7638.1 (mail.example.fr) prêt.
expect      version: 6.5.7638.1
expect      host: mail.example.fr
example     greeting: Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 (MAIL_01) ready.
expect      host: MAIL_01
counterexample greeting: Microsoft Exchange 2000 POP3 server version 6.0.6249.0 (mail.example.com) ready.

# Some 2010 builds and localised installs carry the 2007 form with their own release.
rule exchange-2010-named
vendor      Microsoft
product     Exchange Server 2010
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2010:*:*:*:*:*:*:*
greeting    ^Microsoft Exchange Server 2010 POP3 service ready\.?\s*$
example     greeting: Microsoft Exchange Server 2010 POP3 service ready
counterexample greeting: Microsoft Exchange Server 2007 POP3 service ready

rule exchange-2007
vendor      Microsoft
product     Exchange Server 2007
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2007:*:*:*:*:*:*:*
greeting    ^Microsoft Exchange Server 2007 POP3 service ready\.?\s*$
example     greeting: Microsoft Exchange Server 2007 POP3 service ready
example     greeting: Microsoft Exchange Server 2007 POP3 service ready.
counterexample greeting: Microsoft Exchange Server 2010 POP3 service ready

# Exchange 2010 greets "The Microsoft Exchange POP3 service is ready." with nothing after it;
# 2013 and later add the server's name in brackets by default, but an administrator's banner
# (Set-PopSettings -Banner) or a front end can drop it. The release is read from a form that
# later releases can also show: a guess, still above the rule for "Microsoft Exchange" named
# anywhere, which says no release.
rule exchange-2010
priority    110
confidence  guess
vendor      Microsoft
product     Exchange Server 2010
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2010:*:*:*:*:*:*:*
greeting    ^The Microsoft Exchange POP3 service is ready\.\s*$
example     greeting: The Microsoft Exchange POP3 service is ready.
expect      cpe: cpe:2.3:a:microsoft:exchange_server:2010:*:*:*:*:*:*:*
counterexample greeting: The Microsoft Exchange POP3 service is ready. [RQBYAEMASAAwADEALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGwAbwBjAGEAbAA=]

# "Microsoft Exchange" in a greeting the rules above do not know (a release without its build,
# a customised banner): Exchange, release unknown.
rule exchange-named
priority    95
vendor      Microsoft
product     Exchange Server
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*
greeting    (?<![\w.-])Microsoft Exchange(?![\w-]|\.\w)
example     greeting: Microsoft Exchange POP3 server ready
example     greeting: Microsoft Exchange Server 2016 POP3 service ready
counterexample greeting: exchange.example.com POP3 ready
counterexample greeting: Microsoft POP3 ready

# Exchange 2013 to 2019 (and Exchange Online): the server's name, base64 of UTF-16LE, in
# brackets. The release is not in the greeting (NTLM tells the OS build).
rule exchange
vendor      Microsoft
product     Exchange Server
os          Windows
host        {srv|b64utf16}
cpe         cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*
greeting    ^The Microsoft Exchange POP3 service is ready\. \[(?<srv>[A-Za-z0-9+/]{4,340}={0,2})\]\s*$
example     greeting: The Microsoft Exchange POP3 service is ready. [RQBYAEMASAAwADEALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGwAbwBjAGEAbAA=]
expect      host: EXCH01.corp.example.local
expect      version:
expect      cpe: cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*
example     greeting: The Microsoft Exchange POP3 service is ready. [TQBBAEkATAAwADEA]
expect      host: MAIL01
counterexample greeting: The Microsoft Exchange IMAP4 service is ready.

# Exchange Online (Microsoft 365, Outlook.com): the bracketed name ends in outlook.com,
# exchangelabs.com or outlook.cn, or has Microsoft's datacenter suffix ".prod.outlook." before
# a national cloud's domain (outlook.de) — matched on the base64 text at each of its three
# alignments.
rule exchange-online
priority    200
vendor      Microsoft
product     Exchange Online
host        {srv|b64utf16}
greeting    ^The Microsoft Exchange POP3 service is ready\. \[(?<srv>[A-Za-z0-9+/]{0,300}(?:LgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A|bwB1AHQAbABvAG8AawAuAGMAbwBtAA==|AG8AdQB0AGwAbwBvAGsALgBjAG8AbQA=|LgBlAHgAYwBoAGEAbgBnAGUAbABhAGIAcwAuAGMAbwBtAA==|ZQB4AGMAaABhAG4AZwBlAGwAYQBiAHMALgBjAG8AbQA=|AGUAeABjAGgAYQBuAGcAZQBsAGEAYgBzAC4AYwBvAG0A|LgBvAHUAdABsAG8AbwBrAC4AYwBuAA==|bwB1AHQAbABvAG8AawAuAGMAbgA=|AG8AdQB0AGwAbwBvAGsALgBjAG4A)|[A-Za-z0-9+/]{0,300}(?:LgBwAHIAbwBkAC4AbwB1AHQAbABvAG8AawAu|4AcAByAG8AZAAuAG8AdQB0AGwAbwBvAGsALg|uAHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4A)[A-Za-z0-9+/]{0,300}={0,2})\]\s*$
example     greeting: The Microsoft Exchange POP3 service is ready. [TQBOADIAUABSADEAMgBDAEEAMAAwADEAOQAuAG4AYQBtAHAAcgBkADEAMgAuAHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A]
expect      host: MN2PR12CA0019.namprd12.prod.outlook.com
example     greeting: The Microsoft Exchange POP3 service is ready. [QQBNADYAUABSADAANQAwADIAQwBBADAAMAA1ADIALgBlAHUAcgBwAHIAZAAwADUALgBwAHIAbwBkAC4AbwB1AHQAbABvAG8AawAuAGMAbwBtAA==]
expect      host: AM6PR0502CA0052.eurprd05.prod.outlook.com
example     greeting: The Microsoft Exchange POP3 service is ready. [QgBZADIAUABSADAAMQAwADEAQwBBADAAMAAwADEALgBwAHIAbwBkAC4AZQB4AGMAaABhAG4AZwBlAGwAYQBiAHMALgBjAG8AbQA=]
expect      host: BY2PR0101CA0001.prod.exchangelabs.com
example     greeting: The Microsoft Exchange POP3 service is ready. [RgBSADEAUAAyADgAMQBDAEEAMAAwADQAMgAuAGQAZQB1AHAAMgA4ADEALgBwAHIAbwBkAC4AbwB1AHQAbABvAG8AawAuAGQAZQA=]
expect      host: FR1P281CA0042.deup281.prod.outlook.de
counterexample greeting: The Microsoft Exchange POP3 service is ready. [RQBYAEMASAAwADEALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGwAbwBjAGEAbAA=]

rule exchange-online-cert
priority    200
vendor      Microsoft
product     Exchange Online
greeting    ^The Microsoft Exchange POP3 service is ready\.
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:outlook\.com|office365\.com|outlook\.cn)(?![\w.-])
example     greeting: The Microsoft Exchange POP3 service is ready.
with        cert: CN=outlook.com, CN=DigiCert Cloud Services CA-1
example     greeting: The Microsoft Exchange POP3 service is ready. [RQBYAEMASAAwADEALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGwAbwBjAGEAbAA=]
with        cert: CN=outlook.com,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US, CN=DigiCert Cloud Services CA-1,O=DigiCert Inc,C=US
counterexample greeting: The Microsoft Exchange POP3 service is ready.
with        cert: CN=mail.example.com
counterexample greeting: The Microsoft Exchange POP3 service is ready.
with        cert: CN=outlook.com.example.net

# Consumer Outlook.com (formerly Hotmail, Windows Live) POP3 hosts carry Microsoft's hotmail.com
# and live.com certificates.
rule outlook-com-cert
priority    150
vendor      Microsoft
product     Outlook.com
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:hotmail\.com|live\.com)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.hotmail.com,O=Microsoft Corporation,C=US, CN=Microsoft RSA TLS CA 01
example     greeting: ready
with        cert: CN=pop3.live.com
counterexample greeting: ready
with        cert: CN=mylive.com

# Exchange's answer to QUIT names the release too (2003 and earlier with the build).
rule exchange-2003-quit
vendor      Microsoft
product     Exchange Server 2003
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2003:*:*:*:*:*:*:*
quit        \bMicrosoft Exchange\b[^<]{0,60}?(?<![\d.])(?<version>6\.5\.\d+(?:\.\d+)*)[^<]{0,20}signing off
example     greeting: POP3 server ready
with        quit: +OK Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 signing off.
expect      version: 6.5.7638.1
counterexample quit: +OK Microsoft Exchange Server 2007 POP3 server signing off.

rule exchange-2007-quit
vendor      Microsoft
product     Exchange Server 2007
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2007:*:*:*:*:*:*:*
quit        ^\+OK Microsoft Exchange Server 2007 POP3 server signing off\.?\s*$
example     greeting: POP3 server ready
with        quit: +OK Microsoft Exchange Server 2007 POP3 server signing off.

rule exchange-quit
vendor      Microsoft
product     Exchange Server
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*
quit        ^\+OK Microsoft Exchange Server(?: 20(?:1\d|2\d))? POP3 server signing off\.?\s*$
example     greeting: POP3 server ready
with        quit: +OK Microsoft Exchange Server POP3 server signing off.
counterexample quit: +OK Microsoft Exchange Server 2007 POP3 server signing off.

# The POP3 service of Windows Server 2003 (not Exchange).
rule windows-pop3-service
vendor      Microsoft
product     Windows POP3 Service
os          Windows Server 2003
greeting    ^Microsoft Windows POP3 Service Version (?<version>\d+\.\d+)(?: <[^@>\s]*@(?<host>[^>\s]+)>)? ready\.?\s*$
example     greeting: Microsoft Windows POP3 Service Version 1.0 <00162c95@mail.example.com> ready.
expect      version: 1.0
expect      host: mail.example.com
example     greeting: Microsoft Windows POP3 Service Version 1.0 <0a7f3b21@MAILSRV> ready.
expect      host: MAILSRV
counterexample greeting: Microsoft Exchange POP3 server ready

# Microsoft Commercial Internet System (MCIS 1.0/2.0, the ISP suite before Exchange took over).
rule mcis
vendor      Microsoft
product     Commercial Internet System
os          Windows
greeting    (?i)\b(?:Microsoft Commercial Internet System|MCIS)(?![\w-]|\.\w)(?:[^<]{0,40}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Microsoft Commercial Internet System POP3 Server Version 2.0 ready
expect      version: 2.0
example     greeting: mail.example.net MCIS POP3 server ready
counterexample greeting: mcis.example.net POP3 server ready

# ===========================================================================================
# MDaemon, hMailServer, Kerio
# ===========================================================================================

rule mdaemon
vendor      MDaemon Technologies
product     MDaemon
os          Windows
cpe         cpe:2.3:a:alt-n:mdaemon:{version}:*:*:*:*:*:*:*
greeting    (?i)^(?:(?<host>[^\s<]+) )?POP MDaemon\b(?:[^<]{0,40}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)?[a-z]?))?
example     greeting: mail.example.com POP MDaemon 21.0.3 ready <MDAEMON-F202110271234.AA3412345MD1234@mail.example.com>
expect      version: 21.0.3
expect      host: mail.example.com
expect      cpe: cpe:2.3:a:alt-n:mdaemon:21.0.3:*:*:*:*:*:*:*
example     greeting: mx.example.org POP MDaemon 9.6.5 ready <MDAEMON-F200811121034.AA3456789MD5678@mx.example.org>
expect      version: 9.6.5
example     greeting: mail.example.net POP MDaemon ready using UNREGISTERED SOFTWARE 10.1.2 <MDAEMON-F200911121034.AA1MD1@mail.example.net>
expect      version: 10.1.2
example     greeting: 192.0.2.8 POP MDaemon Pro v8.1.3 ready <MDAEMON-F200511121034.AA1MD1@192.0.2.8>
expect      version: 8.1.3
expect      host: 192.0.2.8

rule mdaemon-named
priority    95
vendor      MDaemon Technologies
product     MDaemon
os          Windows
cpe         cpe:2.3:a:alt-n:mdaemon:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])MDaemon(?![\w-]|\.\w)(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)?[a-z]?))?
example     greeting: MDaemon POP3 Server v22.5.1 ready
expect      version: 22.5.1
counterexample greeting: mdaemon.example.com POP3 ready

# Masked greeting, MDaemon's APOP timestamp.
rule mdaemon-apop
priority    60
vendor      MDaemon Technologies
product     MDaemon
os          Windows
cpe         cpe:2.3:a:alt-n:mdaemon:{version}:*:*:*:*:*:*:*
greeting    <MDAEMON-F\d{12}\.[A-Z0-9]+@(?<host>[^>\s]+)>
example     greeting: POP3 server ready <MDAEMON-F202305161011.AA1104582MD5811@mail.example.com>
expect      host: mail.example.com
counterexample greeting: POP3 server ready <1234.1700000000@mail.example.com>

# hMailServer's default POP3 welcome is just "POP3".
rule hmailserver
priority    90
vendor      hMailServer
product     hMailServer
os          Windows
cpe         cpe:2.3:a:hmailserver:hmailserver:{version}:*:*:*:*:*:*:*
greeting    ^POP3\s*$
example     greeting: POP3
counterexample greeting: POP3 ready

rule hmailserver-named
vendor      hMailServer
product     hMailServer
os          Windows
cpe         cpe:2.3:a:hmailserver:hmailserver:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])hMailServer(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Welcome to hMailServer POP3
example     greeting: hMailServer 5.6.8 POP3 ready
expect      version: 5.6.8
counterexample greeting: hmailserver.example.com POP3 ready

# hMailServer's replies: USER "Send your password", QUIT "POP3 server saying goodbye...".
rule hmailserver-user
priority    60
vendor      hMailServer
product     hMailServer
os          Windows
cpe         cpe:2.3:a:hmailserver:hmailserver:{version}:*:*:*:*:*:*:*
user        ^\+OK Send your password\s*$
example     greeting: POP3 server ready
with        user: +OK Send your password
counterexample user: +OK send PASS
counterexample user: +OK Send your password now, please

rule hmailserver-quit
priority    60
vendor      hMailServer
product     hMailServer
os          Windows
cpe         cpe:2.3:a:hmailserver:hmailserver:{version}:*:*:*:*:*:*:*
quit        ^\+OK POP3 server saying goodbye\.*\s*$
example     greeting: POP3 server ready
with        quit: +OK POP3 server saying goodbye...
counterexample quit: +OK goodbye

rule kerio-connect
vendor      Kerio
product     Kerio Connect
cpe         cpe:2.3:a:kerio:connect:{version}:*:*:*:*:*:*:*
greeting    (?i)^(?:(?<host>[^\s<]+) )?Kerio Connect (?:v?(?<version>\d+\.\d+(?:\.\d+)*(?: patch \d+)?)[\w.-]* |\? )?POP3 server ready
example     greeting: Kerio Connect 9.2.7 POP3 server ready <4512.1700000000@mail.example.com>
expect      version: 9.2.7
expect      cpe: cpe:2.3:a:kerio:connect:9.2.7:*:*:*:*:*:*:*
example     greeting: Kerio Connect 8.5.3 patch 1 POP3 server ready <1.1700000000@mail.example.org>
expect      version: 8.5.3 patch 1
expect      cpe: cpe:2.3:a:kerio:connect:8.5.3_patch_1:*:*:*:*:*:*:*
example     greeting: Kerio Connect POP3 server ready <1.1700000000@mail.example.org>
expect      version:
example     greeting: Kerio Connect ? POP3 server ready <1.1700000000@mail.example.org>
expect      version:
example     greeting: mail.example.com Kerio Connect 10.0.2-7012 POP3 server ready <3.1700000000@mail.example.com>
expect      version: 10.0.2
expect      host: mail.example.com

rule kerio-mailserver
vendor      Kerio
product     Kerio MailServer
cpe         cpe:2.3:a:kerio:kerio_mailserver:{version}:*:*:*:*:*:*:*
greeting    (?i)^(?:(?<host>[^\s<]+) )?Kerio MailServer (?:v?(?<version>\d+\.\d+(?:\.\d+)*(?: patch \d+)?)[\w.-]* |\? )?POP3 server ready
example     greeting: Kerio MailServer 6.7.3 POP3 server ready <2841.1300000000@mail.example.com>
expect      version: 6.7.3
example     greeting: Kerio MailServer 6.1.4 patch 2 POP3 server ready <1.1.1@mail.example.org>
expect      version: 6.1.4 patch 2

rule kerio-connect-named
priority    95
vendor      Kerio
product     Kerio Connect
cpe         cpe:2.3:a:kerio:connect:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])Kerio Connect(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Welcome to Kerio Connect POP3 service
example     greeting: mail.example.com Kerio Connect 9.4.1 POP3
expect      version: 9.4.1
counterexample greeting: kerio.example.com POP3 server ready
counterexample greeting: mail.example.com Kerio MailServer 6.5.2 POP3

rule kerio-mailserver-named
priority    95
vendor      Kerio
product     Kerio MailServer
cpe         cpe:2.3:a:kerio:kerio_mailserver:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])Kerio MailServer(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com Kerio MailServer 6.5.2 POP3
expect      version: 6.5.2
counterexample greeting: Welcome to Kerio Connect POP3 service

rule kerio-connect-impl
vendor      Kerio
product     Kerio Connect
cpe         cpe:2.3:a:kerio:connect:{version}:*:*:*:*:*:*:*
implementation (?i)\bKerio Connect\b(?:[^\d]{0,10}v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POP3 server ready <1.1700000000@mail.example.com>
with        implementation: Kerio Connect 9.4.1
expect      version: 9.4.1

rule kerio-mailserver-impl
vendor      Kerio
product     Kerio MailServer
cpe         cpe:2.3:a:kerio:kerio_mailserver:{version}:*:*:*:*:*:*:*
implementation (?i)\bKerio MailServer\b(?:[^\d]{0,10}v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POP3 server ready <1.1300000000@mail.example.com>
with        implementation: Kerio MailServer 6.7.3
expect      version: 6.7.3

# ===========================================================================================
# IceWarp, Merak, VisNetic
# ===========================================================================================

rule icewarp
vendor      IceWarp
product     IceWarp Mail Server
cpe         cpe:2.3:a:icewarp:mail_server:{version}:*:*:*:*:*:*:*
greeting    (?i)^(?:(?<host>[^\s<]+) )?IceWarp(?: Server| Mail Server)? v?(?<version>\d+(?:\.\d+)+)(?: x64| x86)? POP3\b
example     greeting: mail.example.com IceWarp 12.0.2.1 POP3 Mon, 14 May 2018 10:21:33 +0200 <20180514102133@mail.example.com>
expect      version: 12.0.2.1
expect      host: mail.example.com
example     greeting: IceWarp 11.4.5.0 POP3 Tue, 16 Aug 2016 09:00:00 +0100 <20160816090000@pop.example.org>
example     greeting: mail.example.com IceWarp 13.0.3.10 x64 POP3 Fri, 01 Sep 2023 08:00:00 +0000
counterexample greeting: icewarp.example.com POP3 ready

rule icewarp-named
priority    95
vendor      IceWarp
product     IceWarp Mail Server
cpe         cpe:2.3:a:icewarp:mail_server:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])IceWarp(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+(?:\.\d+)+))?
example     greeting: Welcome to IceWarp Server 13.0.3.10 POP3
expect      version: 13.0.3.10
example     greeting: IceWarp POP3 server ready
counterexample greeting: icewarp.example.com POP3 ready

rule merak
vendor      IceWarp
product     Merak Mail Server
cpe         cpe:2.3:a:icewarp:merak_mail_server:{version}:*:*:*:*:*:*:*
greeting    (?<![\w.-])(?:MERAK|Merak)(?: Mail Server)?(?![\w-]|\.\w)(?: v?(?<version>\d+(?:\.\d+)+))?
example     greeting: mail.example.com Merak 8.3.8 POP3 Thu, 08 Feb 2007 12:00:00 +0100 <20070208120000@mail.example.com>
expect      version: 8.3.8
example     greeting: Merak Mail Server POP3 ready
counterexample greeting: merak.example.com POP3 ready

# VisNetic MailServer (Deerfield.com) was Merak under another name: "VisNetic.MailServer.v8.3.5".
rule visnetic
vendor      Deerfield.com
product     VisNetic MailServer
os          Windows
greeting    (?i)(?<![\w.-])VisNetic[. ]Mail ?Server(?:[. ]v?(?<version>\d+(?:\.\d+)+))?
example     greeting: mail.example.com VisNetic.MailServer.v8.3.5 POP3 Tue, 10 Oct 2006 10:00:00 -0400 <20061010100000@mail.example.com>
expect      version: 8.3.5
example     greeting: VisNetic MailServer POP3 ready
counterexample greeting: Merak 8.3.8 POP3

# ===========================================================================================
# Other Windows servers that name themselves
# ===========================================================================================

rule smartermail
vendor      SmarterTools
product     SmarterMail
os          Windows
cpe         cpe:2.3:a:smartertools:smartermail:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])SmarterMail(?![\w-]|\.\w)(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com SmarterMail POP3 server ready
example     greeting: SmarterMail 16.3 POP3 Server Ready
expect      version: 16.3
example     greeting: mail.example.com SmarterMail POP3 Server Build 8451 ready
expect      version:
counterexample greeting: smartermail.example.com POP3 ready

rule mailenable
vendor      MailEnable
product     MailEnable
os          Windows
cpe         cpe:2.3:a:mailenable:mailenable:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])MailEnable(?![\w-]|\.\w)(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Welcome to MailEnable POP3 Server
example     greeting: Welcome to MailEnable POP3 Server v10.44
expect      version: 10.44
counterexample greeting: mailenable.example.com POP3 ready

rule imail
vendor      Ipswitch
product     IMail Server
os          Windows
cpe         cpe:2.3:a:ipswitch:imail:{version}:*:*:*:*:*:*:*
greeting    (?:NT-POP3 Server (?<host>[^\s(]+) )?\(IMail (?<version>\d+(?:\.\d+)+)(?: \d+-\d+)?\)
example     greeting: X1 NT-POP3 Server mail.example.com (IMail 12.5.7 2059-1)
expect      version: 12.5.7
expect      host: mail.example.com
example     greeting: POP3 Server (IMail 8.22 21102-2) ready
expect      version: 8.22

rule imail-named
priority    95
vendor      Ipswitch
product     IMail Server
os          Windows
cpe         cpe:2.3:a:ipswitch:imail:{version}:*:*:*:*:*:*:*
greeting    (?:(?<![\w.-])IMail(?: Server)? v?(?<version>\d+(?:\.\d+)+)|(?<![\w.-])Ipswitch IMail\b|NT-POP3 Server (?<host>[^\s(]+))
example     greeting: X1 NT-POP3 Server mail.example.com
expect      host: mail.example.com
example     greeting: Ipswitch IMail POP3 server ready
example     greeting: IMail 2006.22 POP3 ready
expect      version: 2006.22
counterexample greeting: imail.example.com POP3 ready

rule mercury
vendor      Pegasus Mail
product     Mercury/32
os          Windows
greeting    (?i)\bMercury/32(?![\w])(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+\w*))?
example     greeting: mail.example.com Mercury/32 v4.62 POP3 server ready.
expect      version: 4.62
example     greeting: <1700000000.9@mail.example.com> Mercury/32 POP3 server ready.
example     greeting: mail.example.com Mercury/32 v4.01a POP3 server ready
expect      version: 4.01a
counterexample greeting: mail.example.com Mercury/NLM v1.48 POP3 server ready.

rule mercury-nlm
vendor      Pegasus Mail
product     Mercury/NLM
os          NetWare
greeting    (?i)\bMercury/NLM(?![\w])(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+\w*))?
example     greeting: mail.example.com Mercury/NLM v1.48 POP3 server ready.
expect      version: 1.48
counterexample greeting: mail.example.com Mercury/32 v4.62 POP3 server ready.

rule argosoft
vendor      ArGoSoft
product     ArGoSoft Mail Server
os          Windows
cpe         cpe:2.3:a:argosoft:mail_server:{version}:*:*:*:*:*:*:*
greeting    (?i)(?J)\bArGoSoft Mail Server\b[^<]{0,60}?Version (?:\d+(?:\.\d+)* \((?<version>\d+(?:\.\d+)+)\)|(?<version>\d+(?:\.\d+)*))
example     greeting: ArGoSoft Mail Server Pro for WinNT/2000/XP, Version 1.8 (1.8.9.4)
expect      version: 1.8.9.4
example     greeting: ArGoSoft Mail Server Freeware, Version 1.8 (1.8.2.9)
expect      version: 1.8.2.9
example     greeting: ArGoSoft Mail Server, Version 1.61
expect      version: 1.61

rule argosoft-named
priority    95
vendor      ArGoSoft
product     ArGoSoft Mail Server
os          Windows
cpe         cpe:2.3:a:argosoft:mail_server:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])ArGoSoft(?![\w-]|\.\w)
example     greeting: ArGoSoft Mail Server .NET POP3 ready
counterexample greeting: argosoft.example.com POP3 ready

rule xmail
vendor      Davide Libenzi
product     XMail
greeting    (?i)\[XMail (?<version>\d+(?:\.\d+)+[\w-]*?)(?: \((?<os>[^/)]+)/[^)]*\))? POP3 Server\]
example     greeting: <1700000000.3344@mail.example.com> [XMail 1.27 (Linux/Ix86) POP3 Server] service ready; Tue, 9 Jan 2018 10:00:00 +0100
expect      version: 1.27
expect      os: Linux
example     greeting: <1.2@mail.example.org> [XMail 1.22 POP3 Server] service ready; Wed, 1 Feb 2006 10:00:00 +0100
expect      os:
example     greeting: <1.2@mail.example.org> [XMail 1.25 (Windows/Ix86) POP3 Server] service ready; Wed, 1 Feb 2006 10:00:00 +0100
expect      os: Windows
counterexample greeting: XMail POP3 Server v1.0 Service Ready(XMail v1.0)

rule surgemail
vendor      NetWin
product     SurgeMail
cpe         cpe:2.3:a:netwin:surgemail:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])SurgeMail(?![\w-]|\.\w)(?:[^<]{0,40}?\b(?:version |ver\.? ?|v)(?<version>\d+\.\d+\w*))?
example     greeting: SurgeMail POP3 server Version 7.3k ready <1700000000.1@mail.example.com>
expect      version: 7.3k
example     greeting: mail.example.com SurgeMail POP3 ready
example     greeting: surgemail pop3 server v3.9e ready <1.2@mail.example.org>
expect      version: 3.9e
example     greeting: SurgeMail POP3 server ver 3.8k4-4 ready <1.2@mail.example.org>
expect      version: 3.8k4
counterexample greeting: surgemail.example.com POP3 ready

# NetWin's earlier DMail; its POP server is DPOP.
rule dmail
vendor      NetWin
product     DMail
greeting    (?:(?<![\w.-])DMail(?![\w-]|\.\w)|(?<![\w.-])DPOP\b)(?:[^<]{0,30}?\b(?:[Vv]ersion(?: number)? |v)(?<version>\d+\.\d+\w*))?
example     greeting: DPOP Version number 2.7c ready <1700000000.1@mail.example.com>
expect      version: 2.7c
example     greeting: mail.example.com DMail POP3 server ready
counterexample greeting: dmail.example.com POP3 ready

rule mailsite
vendor      Rockliffe
product     MailSite
os          Windows
cpe         cpe:2.3:a:rockliffe:mailsite:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])MailSite(?: POP3)?(?: Server)?(?![\w-]|\.\w)(?: v?(?<version>\d+(?:\.\d+)+))?
example     greeting: mail.example.com MailSite POP3 Server 9.0.4 Ready <1700000000.1@mail.example.com>
expect      version: 9.0.4
example     greeting: mail.example.com MailSite POP3 Server Ready <1.2@mail.example.com>
expect      version:
counterexample greeting: mailsite.example.com POP3 ready

rule cmailserver
vendor      Youngzsoft
product     CMailServer
os          Windows
greeting    (?i)(?<![\w.-])CMailServer(?![\w-]|\.\w)(?: v?(?<version>\d+(?:\.\d+)+))?
example     greeting: CMailServer 5.4.6 POP3 Service Ready
expect      version: 5.4.6
example     greeting: Welcome to CMailServer POP3 Service
counterexample greeting: cmailserver.example.com POP3 ready

rule winmail
vendor      AMAX
product     Winmail Server
os          Windows
greeting    (?i)(?<![\w.-])(?:Magic )?Winmail(?: Mail)? Server(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Welcome to Winmail Mail Server
example     greeting: Welcome to Magic Winmail Server 3.6 POP3 Server
expect      version: 3.6
example     greeting: Winmail Mail Server POP3 ready
counterexample greeting: winmail.example.com POP3 ready

rule vpop3
vendor      PSCS
product     VPOP3
os          Windows
greeting    (?i)^VPOP3(?: Enterprise)? Server (?:v?(?<version>\d+\.\d+(?:\.\d+)*[a-z]?) )?Ready\b
example     greeting: VPOP3 Server Ready <1700000000.12@mail.example.com>
example     greeting: VPOP3 Server v6.0.0 Ready <1.2@mail.example.org>
expect      version: 6.0.0
counterexample greeting: VPOP3 ready

rule vpop3-named
priority    95
vendor      PSCS
product     VPOP3
os          Windows
greeting    (?i)(?<![\w.-])VPOP3(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*[a-z]?))?
example     greeting: Welcome to VPOP3 Enterprise 7.1 POP3 server
expect      version: 7.1
counterexample greeting: vpop3.example.com POP3 ready

rule ntmail
vendor      Gordano
product     NTMail
os          Windows
greeting    (?i)(?<![\w.-])NTMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: NTMail POP3 server ready <1700000000.1@mail.example.com>
example     greeting: NTMail v4.30 POP3 server ready
expect      version: 4.30
counterexample greeting: ntmail.example.com POP3 ready

# Gordano Messaging Suite (NTMail's successor): "GMS POP3 Server".
rule gordano-gms
vendor      Gordano
product     Gordano Messaging Suite
greeting    (?:(?<![\w.-])Gordano Messaging Suite\b|(?<![\w.-])GMS POP3\b)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com GMS POP3 Server (v16.00.3244) ready <1700000000.1@mail.example.com>
expect      version: 16.00.3244
example     greeting: Gordano Messaging Suite POP3 server ready
counterexample greeting: gms.example.com POP3 server ready

rule eserv
vendor      Etype
product     Eserv
os          Windows
greeting    (?i)(?<![\w.-])Eserv(?:/v?(?<version>\d+(?:\.\d+)+))?(?![\w-]|\.\w)
example     greeting: Eserv/3.26 POP3 server ready <1700000000.1@mail.example.com>
expect      version: 3.26
example     greeting: Eserv POP3 server ready
counterexample greeting: eserv.example.com POP3 ready

rule mailtraq
vendor      Enstar
product     Mailtraq
os          Windows
greeting    (?i)(?<![\w.-])Mailtraq(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Mailtraq POP3 server ready <1700000000.1@mail.example.com>
example     greeting: Mailtraq 2.17.3.3150 POP3 ready
expect      version: 2.17.3.3150
counterexample greeting: mailtraq.example.com POP3 ready

rule ftgate
vendor      Floosietek
product     FTGate
os          Windows
greeting    (?i)(?<![\w.-])FTGate(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: FTGate POP3 server ready <1700000000.1@mail.example.com>
example     greeting: mail.example.com FTGate 7.0.100 POP3 Server
expect      version: 7.0.100
counterexample greeting: ftgate.example.com POP3 ready

rule avirt
vendor      Avirt
product     Avirt Mail Server
os          Windows
greeting    (?i)(?<![\w.-])Avirt(?: Mail Server)?(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Avirt Mail Server POP3 v3.5 ready
expect      version: 3.5
counterexample greeting: avirt.example.com POP3 ready

rule ability-mail-server
vendor      Code-Crafters
product     Ability Mail Server
os          Windows
greeting    (?i)(?J)(?<![\w.-])Ability Mail Server(?![\w-]|\.\w)(?:[^<(]{0,20}?\(v?(?<version>\d+\.\d+(?:\.\d+)*)\)| v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com Ability Mail Server 2013 (3.1.2) POP3 ready <1.1700000000@mail.example.com>
expect      version: 3.1.2
example     greeting: Ability Mail Server 2.61 POP3 server ready
expect      version: 2.61
counterexample greeting: ability.example.com POP3 ready

rule emailarchitect
vendor      AIFSoft
product     EmailArchitect Email Server
os          Windows
greeting    (?i)(?<![\w.-])EmailArchitect(?![\w-]|\.\w)(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: EmailArchitect Email Server POP3 service ready
example     greeting: mail.example.com EmailArchitect Email Server 9.3 POP3 ready
expect      version: 9.3
counterexample greeting: emailarchitect.example.com POP3 ready

rule winwebmail
vendor      MaxSoft
product     WinWebMail
os          Windows
greeting    (?i)(?<![\w.-])WinWebMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: WinWebMail [3.9.1.1] POP3 Server ready
expect      version: 3.9.1.1
counterexample greeting: winwebmail.example.com POP3 ready

rule mailmax
vendor      SmartMax Software
product     MailMax
os          Windows
greeting    (?i)(?<![\w.-])MailMax(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: MailMax POP3 Server v5.5 ready <1700000000.1@mail.example.com>
expect      version: 5.5
counterexample greeting: mailmax.example.com POP3 ready

rule workgroupmail
vendor      Softalk
product     WorkgroupMail
os          Windows
greeting    (?i)(?<![\w.-])WorkgroupMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: WorkgroupMail POP3 Server v7.3 ready
expect      version: 7.3
counterexample greeting: workgroupmail.example.com POP3 ready

rule lan602
vendor      Software602
product     602LAN SUITE
os          Windows
greeting    (?i)(?<![\w.-])602LAN SUITE\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>(?:19|20)\d\d(?:\.\d+)*|\d+\.\d+(?:\.\d+)*))?
example     greeting: 602LAN SUITE 2004 POP3 server ready
expect      version: 2004
example     greeting: mail.example.cz 602LAN SUITE POP3 ready
counterexample greeting: 602 POP3 server ready

rule baby-pop3
vendor      Pablo Software Solutions
product     Baby POP3 Server
os          Windows
greeting    (?i)(?<![\w.-])Baby POP3 Server\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Baby POP3 Server v1.04 ready
expect      version: 1.04
counterexample greeting: POP3 Server ready

rule quick-n-easy
vendor      Pablo Software Solutions
product     Quick 'n Easy Mail Server
os          Windows
greeting    (?i)(?<![\w.-])Quick ?'?n'? ?Easy Mail Server\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Quick 'n Easy Mail Server POP3 Service Ready
example     greeting: Quick n Easy Mail Server 3.3 POP3 ready
expect      version: 3.3
counterexample greeting: Quick POP3 server ready

rule hexamail
vendor      Hexamail
product     Hexamail Server
greeting    (?i)(?<![\w.-])Hexamail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Hexamail Server POP3 ready
example     greeting: mail.example.com Hexamail Server 5.2.1 POP3 service ready
expect      version: 5.2.1
counterexample greeting: hexamail.example.com POP3 ready

rule xeams
vendor      Synametrics Technologies
product     Xeams
greeting    (?i)(?<![\w.-])Xeams(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Xeams POP3 server ready
example     greeting: Xeams 7.1 POP3 Server
expect      version: 7.1
counterexample greeting: xeams.example.com POP3 ready

rule mailcarrier
vendor      TABS Laboratories
product     MailCarrier
os          Windows
greeting    (?i)(?<![\w.-])MailCarrier(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: MailCarrier 2.51 POP3 server ready
expect      version: 2.51
counterexample greeting: mailcarrier.example.com POP3 ready

rule internet-anywhere
vendor      True North Software
product     Internet Anywhere Mail Server
os          Windows
greeting    (?i)(?<![\w.-])Internet Anywhere(?: Mail Server| Admin)?\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Internet Anywhere Mail Server POP3 v5.3 ready
expect      version: 5.3
counterexample greeting: Internet mail server anywhere

rule lumisoft
vendor      LumiSoft
product     LumiSoft Mail Server
greeting    (?i)(?<![\w.-])LumiSoft(?![\w-]|\.\w)(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com LumiSoft Mail Server POP3 Service ready <3f2a9c1e@mail.example.com>
counterexample greeting: lumisoft.example.com POP3 ready

rule desknow
vendor      DeskNow
product     DeskNow Mail Server
greeting    (?i)(?<![\w.-])DeskNow(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: DeskNow POP3 server ready
example     greeting: DeskNow Mail Server 3.2 POP3 ready
expect      version: 3.2
counterexample greeting: desknow.example.com POP3 ready

# SLmail (Seattle Lab) says "POP3 server HOST ready <NNNNN.TTTT@HOST>": no name, but the word
# order and the zero-padded five-digit connection number are its own.
rule slmail
priority    60
vendor      Seattle Lab
product     SLmail
os          Windows
greeting    ^POP3 server (?<host>[^\s<]+) ready <\d{5}\.\d+@[^>\s]+>\s*$
example     greeting: POP3 server mail.example.com ready <00001.544405@mail.example.com>
expect      host: mail.example.com
counterexample greeting: POP3 server ready <00001.544405@mail.example.com>
counterexample greeting: POP3 server mail.example.com ready <1234.1700000000@mail.example.com>
counterexample greeting: POP3 server mail.example.com ready

rule slmail-named
vendor      Seattle Lab
product     SLmail
os          Windows
greeting    (?i)(?<![\w.-])SLmail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: SLmail POP3 server 5.5 ready
expect      version: 5.5
counterexample greeting: slmail.example.com POP3 ready

rule mercur
vendor      Atrium Software
product     MERCUR Messaging
os          Windows
greeting    (?i)(?<![\w.-])MERCUR(?: Messaging(?: \d{4})?)?(?: POP3-Server)?(?![\w-]|\.\w)(?:[^<]{0,10}?(?<![\w.])\(?[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: MERCUR POP3-Server (v4.03.02 MN-2UEG33) for Windows ready at Mon, 10 Jan 2005 10:00:00 +0100
expect      version: 4.03.02
example     greeting: MERCUR Messaging 2005 POP3-Server (v5.00.19 AS-WNT) ready
expect      version: 5.00.19
counterexample greeting: MERCURY POP3 ready
counterexample greeting: mercur.example.com POP3 ready

rule hamster
vendor      Juergen Haible
product     Hamster
os          Windows
greeting    (?<![\w.-])Hamster(?:-POP3)?(?![\w-]|\.\w)(?:[^<]{0,25}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Hamster-POP3 Server Vr. 2.1 (Build 2.1.0.11) ready
expect      version: 2.1
example     greeting: Hamster POP3 server ready
counterexample greeting: hamster.example.com POP3 ready
counterexample greeting: Welcome, hamster owners

rule ken
vendor      AVM
product     KEN!
os          Windows
greeting    (?<![\w.-])KEN!(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: KEN! POP3 server ready
example     greeting: KEN! 4.0 POP3-Server ready
expect      version: 4.0
counterexample greeting: Ken POP3 server ready

rule tobit-david
vendor      Tobit Software
product     David
os          Windows
greeting    (?:(?<![\w.-])Tobit(?:\.Software)?(?: David(?:\.fx)?)?\b|(?<![\w.-])David\.fx\b|(?<![\w.-])DvISE\b)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Tobit David POP3 server ready
example     greeting: David.fx POP3 Server 11.00 ready
expect      version: 11.00
counterexample greeting: David's POP3 server ready

rule sambar
vendor      Sambar Technologies
product     Sambar Server
greeting    (?i)(?<![\w.-])Sambar(?: Server)?(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Sambar Server 6.4 POP3 server ready
expect      version: 6.4
example     greeting: Sambar POP3 server ready
counterexample greeting: sambar.example.com POP3 ready

rule winroute
vendor      Tiny Software
product     WinRoute Pro
os          Windows
greeting    (?i)(?<![\w.-])WinRoute(?: Pro)?(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: WinRoute Pro 4.2 POP3 server ready
expect      version: 4.2
counterexample greeting: winroute.example.com POP3 ready

# Weasel, the OS/2 and eComStation mail server.
rule weasel
vendor      Peter Moylan
product     Weasel
os          OS/2
greeting    (?<![\w.-])Weasel(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*[a-z]?))?
example     greeting: Weasel v2.71 POP3 server ready <1700000000.3@mail.example.com>
expect      version: 2.71
example     greeting: Weasel POP3 server ready
counterexample greeting: weasel.example.com POP3 ready

# NetCPlus SmartServer (the product's own name carries its major release: "SmartServer3").
rule smartserver
vendor      NetCPlus
product     SmartServer
os          Windows
greeting    (?<![\w.-])(?:NetCPlus )?SmartServer(?<major>\d)?(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: SmartServer3 POP3 Server ready
example     greeting: NetCPlus SmartServer POP3 v3.75 ready
expect      version: 3.75
counterexample greeting: smartserver.example.com POP3 ready
counterexample greeting: SmartServers POP3 ready
