# groupware.fp — groupware, hosting and carrier-grade mail suites: Zimbra and Carbonio, Domino,
# GroupWise and Novell's NetMail line, the Netscape / iPlanet / Sun / Oracle messaging server
# family, CommuniGate, Axigen, FirstClass, Scalix, Zarafa, Kopano, grommunio, the ISP platforms
# (InterMail, Email Mx, Critical Path, SwitchMail, PostPath) and the Chinese and Taiwanese
# enterprise suites (Coremail, TurboMail, U-Mail, eYou, Mail2000). Format, bands and idioms:
# fingerprints/README.md and the head of unix.fp.

# ===========================================================================================
# Zimbra and Carbonio
# ===========================================================================================

rule zimbra
vendor      Zimbra
product     Zimbra Collaboration
cpe         cpe:2.3:a:synacor:zimbra_collaboration_suite:{version}:*:*:*:*:*:*:*
# "HOST Zimbra POP3 server ready"; with zimbraReverseProxyPop3ExposeVersionOnBanner the build:
# "Zimbra 8.8.15_GA_4179 POP3 server ready", "Zimbra 8.0.6_GA_5922.RHEL6_64 …".
greeting    (?i)^(?:(?<host>[^\s<]+) )?Zimbra (?:v?(?<version>\d+\.\d+(?:\.\d+)?)(?:[_-][\w.]+)? |\? )?POP3 server ready\s*$
example     greeting: mail.example.com Zimbra POP3 server ready
expect      host: mail.example.com
expect      version:
example     greeting: zimbra.example.org Zimbra 8.8.15_GA_4179 POP3 server ready
expect      version: 8.8.15
expect      cpe: cpe:2.3:a:synacor:zimbra_collaboration_suite:8.8.15:*:*:*:*:*:*:*
example     greeting: mail.example.net Zimbra 8.0.6_GA_5922.RHEL6_64 POP3 server ready
expect      version: 8.0.6
example     greeting: 192.0.2.44 Zimbra 8.6.0_GA_1153 POP3 server ready
expect      host: 192.0.2.44
expect      version: 8.6.0
example     greeting: mail.example.com Zimbra 9.0.0_GA_3079 POP3 server ready
expect      version: 9.0.0
counterexample greeting: zimbra.example.com POP3 server ready

rule zimbra-named
priority    95
vendor      Zimbra
product     Zimbra Collaboration
cpe         cpe:2.3:a:synacor:zimbra_collaboration_suite:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])Zimbra(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)?))?
example     greeting: Zimbra POP3 ready
example     greeting: mail.example.com Zimbra 10.0.6_GA_4624.RHEL8_64 POP3 server ready <1.1@mail.example.com>
expect      version: 10.0.6
counterexample greeting: zimbra.example.com POP3 server ready

rule zimbra-impl
vendor      Zimbra
product     Zimbra Collaboration
cpe         cpe:2.3:a:synacor:zimbra_collaboration_suite:{version}:*:*:*:*:*:*:*
implementation ^Zimbra
example     greeting: POP3 ready
with        implementation: ZimbraInc

# XOIP (the client's originating IP) is Zimbra's own capability. Carbonio, a Zimbra fork, keeps
# it; its greeting says Carbonio, and then this rule does not speak.
rule zimbra-capa
priority    60
vendor      Zimbra
product     Zimbra Collaboration
cpe         cpe:2.3:a:synacor:zimbra_collaboration_suite:{version}:*:*:*:*:*:*:*
capa        ^XOIP$
not greeting (?i)\bCarbonio\b
example     greeting: POP3 server ready
with        capa: TOP\nUSER\nUIDL\nEXPIRE 31 USER\nXOIP\nSASL PLAIN\nSTLS
counterexample greeting: mail.example.com Carbonio POP3 server ready
with        capa: TOP\nUSER\nUIDL\nXOIP
counterexample capa: TOP\nUSER\nUIDL\nXCLIENT

rule carbonio
vendor      Zextras
product     Carbonio
greeting    (?i)(?<![\w.-])(?:Zextras )?Carbonio(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)?))?
example     greeting: mail.example.com Carbonio POP3 server ready
example     greeting: mail.example.com Carbonio 23.12.0 POP3 server ready
expect      version: 23.12.0
counterexample greeting: carbonio.example.com POP3 server ready

# ===========================================================================================
# IBM / HCL Domino
# ===========================================================================================

rule domino-lotus
vendor      IBM
product     Lotus Domino
cpe         cpe:2.3:a:ibm:lotus_domino:{version}:*:*:*:*:*:*:*
# "version X2.0" is the POP3 task's own version, not the Domino release.
greeting    (?i)\b(?:Lotus Notes|Lotus Domino|IBM Domino|IBM Lotus Domino) POP3 server version (?:Release (?<version>\d[\w.]*)|\S+) ready(?: <[^>]*>)?(?: on (?<host>[^\s/]+))?
example     greeting: Lotus Notes POP3 server version X2.0 ready on mail01/Example.
expect      version:
expect      host: mail01
example     greeting: Lotus Notes POP3 server version Release 8.5.3FP6 ready on Server01/Acme.
expect      version: 8.5.3FP6
expect      cpe: cpe:2.3:a:ibm:lotus_domino:8.5.3fp6:*:*:*:*:*:*:*
example     greeting: IBM Domino POP3 server version X2.0 ready on mail.example.com/Example/US.
expect      host: mail.example.com
example     greeting: Lotus Notes POP3 server version X2.0 ready <00004A5B.85256F1B.0000110C.00000007@mail01> on mail01/Example.
expect      host: mail01

rule domino-hcl
vendor      HCL
product     Domino
cpe         cpe:2.3:a:hcltech:domino:{version}:*:*:*:*:*:*:*
greeting    (?i)(?:^|\bHCL )Domino POP3 server version (?:Release (?<version>\d[\w.]*)|\S+) ready(?: <[^>]*>)?(?: on (?<host>[^\s/]+))?
example     greeting: HCL Domino POP3 server version X2.0 ready on mail/Example.
expect      host: mail
example     greeting: Domino POP3 server version Release 12.0.2 ready on Mail01/Acme.
expect      version: 12.0.2
example     greeting: HCL Domino POP3 server version Release 11.0.1FP3 ready on mx_01/Acme.
expect      version: 11.0.1FP3
expect      host: mx_01

# ===========================================================================================
# Novell
# ===========================================================================================

rule domino-lotus-named
priority    95
vendor      IBM
product     Lotus Domino
cpe         cpe:2.3:a:ibm:lotus_domino:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])(?:IBM )?(?:Lotus Notes|Lotus Domino|IBM Domino)(?![\w-]|\.\w)(?:[^<]{0,30}?(?:Release |(?<![\w.])[Vv]?)(?<version>\d+\.\d+(?:\.\d+)*(?:FP\d+)?))?
example     greeting: Lotus Domino POP3 server ready
example     greeting: IBM Domino Release 9.0.1FP10 POP3 Server ready
expect      version: 9.0.1FP10
counterexample greeting: domino.example.com POP3 ready
counterexample greeting: HCL Domino POP3 server ready

rule domino-hcl-named
priority    95
vendor      HCL
product     Domino
cpe         cpe:2.3:a:hcltech:domino:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])HCL Domino(?![\w-]|\.\w)(?:[^<]{0,30}?(?:Release |(?<![\w.])[Vv]?)(?<version>\d+\.\d+(?:\.\d+)*(?:FP\d+)?))?
example     greeting: HCL Domino POP3 server ready
example     greeting: HCL Domino 12.0.2 POP3 ready
expect      version: 12.0.2
counterexample greeting: Lotus Domino POP3 server ready

rule groupwise
vendor      Novell
product     GroupWise
cpe         cpe:2.3:a:novell:groupwise:{version}:*:*:*:*:*:*:*
greeting    (?i)(?:(?<![\w.-])GroupWise(?![\w-]|\.\w)|\bGWIA(?: POP3)?\b)(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: GroupWise POP3 server ready
example     greeting: GWIA POP3 server ready <1700000000.77@gw.example.com>
example     greeting: GroupWise POP3 Server 18.2.1 ready <1.2@gw.example.com>
expect      version: 18.2.1
counterexample greeting: groupwise.example.com POP3 server ready

rule netmail
vendor      Novell
product     NetMail
greeting    (?:(?<![\w.-])NetMail (?:POP3\b|v?(?<version>\d+(?:\.\d+)+))|(?<![\w.-])Novell NetMail\b)
example     greeting: mail.example.com NetMail POP3 Agent ready <1700000000.1@mail.example.com>
example     greeting: NetMail 3.52 POP3 server ready
expect      version: 3.52
example     greeting: Novell NetMail POP3 ready
counterexample greeting: netmail.example.com POP3 ready

rule nims
vendor      Novell
product     Novell Internet Messaging System
greeting    (?:(?<![\w.-])Novell Internet Messaging System\b|(?<![\w.-])NIMS(?![\w-]|\.\w))(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com NIMS POP3 Agent ready
example     greeting: Novell Internet Messaging System 2.6 POP3 server ready
expect      version: 2.6
counterexample greeting: nims.example.com POP3 ready

# ===========================================================================================
# Netscape, iPlanet, Sun, Oracle (one code line: the PMDF-derived messaging server)
# ===========================================================================================

rule sun-messaging
vendor      Sun
product     Java System Messaging Server
cpe         cpe:2.3:a:sun:java_system_messaging_server:{version}:*:*:*:*:*:*:*
# "HOST POP3 service (Sun Java(tm) System Messaging Server 6.3-7.04 (built …))"; the Messaging
# Multiplexor in front of it says "Messaging Multiplexor (…)". The name and the host are two
# conditions: one pattern with an optional anchored prefix could not be searched for by its
# literal, and cost five times as much on every greeting.
greeting    \bSun Java(?:\(tm\))? System Messaging Server (?<version>\d[\w.-]*(?: Patch \d+)?)
greeting    ^(?:(?<host>\S+) (?:POP3 service|Messaging Multiplexor) \()?
example     greeting: mail.example.com POP3 service (Sun Java(tm) System Messaging Server 6.3-7.04 (built Sep 26 2008)) <1700000000.1@mail.example.com>
expect      version: 6.3-7.04
expect      host: mail.example.com
example     greeting: mmp.example.edu Messaging Multiplexor (Sun Java(tm) System Messaging Server 6.3-6.03 (built Mar 14 2008))
expect      version: 6.3-6.03
expect      host: mmp.example.edu
example     greeting: mail.example.com POP3 service (Sun Java(tm) System Messaging Server 7.0-3.01 64bit (built Dec  9 2008))
expect      version: 7.0-3.01
counterexample greeting: ms.example.edu POP3 service (Sun ONE Messaging Server 6.0 Patch 1 (built Jan 28 2004))

rule sun-one-messaging
vendor      Sun
product     Sun ONE Messaging Server
cpe         cpe:2.3:a:sun:one_messaging_server:{version}:*:*:*:*:*:*:*
greeting    \bSun ONE Messaging Server(?: (?<version>\d[\w.-]*(?: (?:Patch|HotFix) [\d.]+)?))?
greeting    ^(?:(?<host>\S+) (?:POP3 service|Messaging Multiplexor) \()?
example     greeting: Sun ONE Messaging Server 6.1 POP3 ready
expect      version: 6.1
expect      host:
example     greeting: ms.example.edu POP3 service (Sun ONE Messaging Server 6.0 Patch 1 (built Jan 28 2004))
expect      version: 6.0 Patch 1
example     greeting: mail.example.com POP3 service (Sun ONE Messaging Server 5.2 HotFix 1.16 (built May 14 2003))
expect      version: 5.2 HotFix 1.16

rule oracle-messaging
vendor      Oracle
product     Communications Messaging Server
cpe         cpe:2.3:a:oracle:communications_messaging_server:{version}:*:*:*:*:*:*:*
greeting    \bOracle Communications Messaging Server (?<version>\d[\w.-]*)
greeting    ^(?:(?<host>\S+) (?:POP3 service|Messaging Multiplexor) \()?
example     greeting: mail.example.com POP3 service (Oracle Communications Messaging Server 7.0.5.29.0 64bit (built Oct 23 2013))
expect      version: 7.0.5.29.0
example     greeting: ms01.example.net POP3 service (Oracle Communications Messaging Server 8.0.2.4.20190703 64bit (built Jul  3 2019))
expect      host: ms01.example.net

rule iplanet-messaging
vendor      iPlanet
product     iPlanet Messaging Server
greeting    \biPlanet Messaging Server (?<version>\d[\w.-]*(?: HotFix [\d.]+)?)
greeting    ^(?:(?<host>\S+) (?:POP3 service|Messaging Multiplexor) \()?
example     greeting: mail.example.com POP3 service (iPlanet Messaging Server 5.2 HotFix 2.14 (built Aug  8 2006))
expect      version: 5.2 HotFix 2.14
example     greeting: mail.example.org POP3 service (iPlanet Messaging Server 5.1 (built May  7 2001))
expect      version: 5.1

rule netscape-messaging
vendor      Netscape
product     Netscape Messaging Server
cpe         cpe:2.3:a:netscape:messaging_server:{version}:*:*:*:*:*:*:*
greeting    \bNetscape Messaging Server v?(?<version>\d+(?:\.\d+)*(?: Patch \d+)?)
greeting    ^(?:(?<host>\S+) (?:POP3 service) \()?
example     greeting: mail.example.com POP3 service (Netscape Messaging Server 4.15 Patch 2 (built May 30 2000))
expect      version: 4.15 Patch 2
example     greeting: mail.example.org POP3 service (Netscape Messaging Server 4.1 (built Feb 10 1999))
expect      version: 4.1
counterexample greeting: Netscape Mail Server v2.02 ready

rule netscape-mail
vendor      Netscape
product     Netscape Mail Server
greeting    \bNetscape Mail Server\b(?:[^<]{0,10}?(?<![\w.])[Vv]?(?<version>\d+(?:\.\d+)*))?
example     greeting: Netscape Mail Server v2.02 ready
expect      version: 2.02
example     greeting: mail.example.com POP3 server (Netscape Mail Server 3.01) ready
expect      version: 3.01

rule sun-internet-mail
vendor      Sun
product     Sun Internet Mail Server
greeting    \bSun Internet Mail Server\b(?: (?:sims\.)?v?(?<version>\d+\.\d+))?
example     greeting: mail.example.com POP3 service (Sun Internet Mail Server sims.4.0.1999.06.13.00.20) ready
expect      version: 4.0
example     greeting: Sun Internet Mail Server POP3 ready
counterexample greeting: Sun ONE Messaging Server 6.1 POP3 ready

rule oracle-collab
vendor      Oracle
product     Collaboration Suite
greeting    \bOracle (?:Collaboration Suite|Email Server|Email)\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+(?:\.\d+)+))?
example     greeting: Oracle Email Server POP3 9.0.4.1.0 ready
expect      version: 9.0.4.1.0
example     greeting: mail.example.com Oracle Collaboration Suite POP3 server ready
counterexample greeting: Oracle Communications Messaging Server 8.1 POP3 ready

# ===========================================================================================
# CommuniGate and Stalker
# ===========================================================================================

rule communigate
vendor      CommuniGate Systems
product     CommuniGate Pro
cpe         cpe:2.3:a:stalker:communigate_pro:{version}:*:*:*:*:*:*:*
greeting    (?i)^(?:(?<host>[^\s<]+) )?CommuniGate Pro POP3 Server(?: (?<version>\d+\.\d+(?:\.\d+)*[a-z]?\d*)| \?)? (?:is )?ready
example     greeting: CommuniGate Pro POP3 Server 6.2.12 ready <1.1656000000@mail.example.com>
expect      version: 6.2.12
example     greeting: mail.example.org CommuniGate Pro POP3 Server 5.4.2 ready <39210.1300000000@mail.example.org>
expect      host: mail.example.org
example     greeting: CommuniGate Pro POP3 Server ready <1.1656000000@mail.example.com>
example     greeting: CommuniGate Pro POP3 Server ? ready <1.1656000000@mail.example.com>
expect      version:
example     greeting: mail.example.com CommuniGate Pro POP3 Server 5.1c4 ready <1.2@mail.example.com>
expect      version: 5.1c4

rule communigate-named
priority    95
vendor      CommuniGate Systems
product     CommuniGate Pro
cpe         cpe:2.3:a:stalker:communigate_pro:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])CommuniGate(?: Pro)?(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*[a-z]?\d*))?
example     greeting: Welcome to CommuniGate Pro 6.3.4 POP3
expect      version: 6.3.4
counterexample greeting: communigate.example.com POP3 ready

rule communigate-impl
vendor      CommuniGate Systems
product     CommuniGate Pro
cpe         cpe:2.3:a:stalker:communigate_pro:{version}:*:*:*:*:*:*:*
implementation (?i)^CommuniGate Pro(?: POP3 Server)?(?: v?(?<version>\d+\.\d+(?:\.\d+)*[a-z]?\d*))?
example     greeting: POP3 server ready <1.1656000000@mail.example.com>
with        implementation: CommuniGate Pro POP3 Server 6.2.12
expect      version: 6.2.12

# CommuniGate's USER reply: "please send the PASS".
rule communigate-user
priority    60
vendor      CommuniGate Systems
product     CommuniGate Pro
cpe         cpe:2.3:a:stalker:communigate_pro:{version}:*:*:*:*:*:*:*
user        ^\+OK please send the PASS\s*$
example     greeting: POP3 server ready <1.1656000000@mail.example.com>
with        user: +OK please send the PASS
counterexample user: +OK send PASS

rule stalker-sims
vendor      Stalker Software
product     Stalker Internet Mail Server
greeting    (?i)(?<![\w.-])Stalker(?: Internet Mail Server| Mail Server| POP3)\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+\w*))?
example     greeting: Stalker Internet Mail Server 1.8b5 POP3 ready
expect      version: 1.8b5
counterexample greeting: stalker.example.com POP3 ready

# ===========================================================================================
# Other suites that name themselves
# ===========================================================================================

rule axigen
vendor      Axigen
product     Axigen Mail Server
cpe         cpe:2.3:a:axigen:axigen_mail_server:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])Axigen(?![\w.]|-(?!POP3)|\.\w)(?:[ -]POP3)?(?: [Ss]erver)?(?: v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Axigen POP3 server ready <2171.1649926154@mail.example.com>
example     greeting: mail.example.com Axigen-POP3 10.3.3 ready
expect      version: 10.3.3
example     greeting: Axigen POP3 Server v10.5.18 ready
expect      version: 10.5.18
counterexample greeting: axigen.example.com POP3 ready
counterexample greeting: mx-axigen POP3 ready

rule axigen-impl
vendor      Axigen
product     Axigen Mail Server
implementation (?i)^Axigen(?:[ -]POP3)?(?: Server)?(?: v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POP3 server ready <1.2@mail.example.com>
with        implementation: Axigen 10.4.7
expect      version: 10.4.7

rule firstclass
vendor      OpenText
product     FirstClass
greeting    (?i)(?<![\w.-])FirstClass(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: FirstClass POP3 server ready
example     greeting: FirstClass POP3 Server v12.1 ready
expect      version: 12.1
counterexample greeting: firstclass.example.edu POP3 ready

rule scalix
vendor      Scalix
product     Scalix
greeting    (?i)(?<![\w.-])Scalix(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Scalix POP3 Server ready <1700000000.1@mail.example.com>
example     greeting: Scalix 11.4.6 POP3 Server ready
expect      version: 11.4.6
counterexample greeting: scalix.example.com POP3 ready

rule zarafa
vendor      Zarafa
product     Zarafa
cpe         cpe:2.3:a:zarafa:zarafa:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])Zarafa(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Zarafa POP3 gateway ready
example     greeting: Zarafa 7.1.14 POP3 gateway ready
expect      version: 7.1.14
counterexample greeting: zarafa.example.com POP3 gateway ready

rule kopano
vendor      Kopano
product     Kopano
greeting    (?i)(?<![\w.-])Kopano(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Kopano POP3 gateway ready
example     greeting: Kopano 8.7.0 POP3 gateway ready
expect      version: 8.7.0
counterexample greeting: kopano.example.com POP3 gateway ready

rule gromox
vendor      grommunio
product     Gromox
greeting    (?i)(?<![\w.-])(?:gromox|grommunio)(?:-pop3)?(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com gromox-pop3 service ready
example     greeting: grommunio POP3 2.8 ready
expect      version: 2.8
counterexample greeting: grommunio.example.com POP3 ready

rule openmail
vendor      HP
product     OpenMail
greeting    (?<![\w.-])(?:HP )?OpenMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])\(?[Vv]?(?<version>[A-Z]\.\d+\.\d+|\d+\.\d+(?:\.\d+)*))?
example     greeting: OpenMail POP3 Server (A.06.20) ready
expect      version: A.06.20
counterexample greeting: openmail.example.com POP3 ready

rule samsung-contact
vendor      Samsung
product     Samsung Contact
greeting    (?i)(?<![\w.-])Samsung Contact\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>[A-Z]?\.?\d+\.\d+(?:\.\d+)*))?
example     greeting: Samsung Contact POP3 Server ready
counterexample greeting: Samsung POP3 ready

rule ibm-workplace
vendor      IBM
product     Workplace Messaging
greeting    (?i)\b(?:IBM )?Workplace Messaging\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: IBM Workplace Messaging POP3 server ready
example     greeting: Workplace Messaging 2.6 POP3 ready
expect      version: 2.6
counterexample greeting: Workplace POP3 ready

rule postpath
vendor      PostPath
product     PostPath Server
greeting    (?i)(?<![\w.-])PostPath(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: PostPath POP3 server ready
counterexample greeting: postpath.example.com POP3 ready

rule isode-mbox
vendor      Isode
product     M-Box
greeting    (?:(?<![\w.-])Isode M-Box\b|(?<![\w.-])M-Box(?: POP3)?(?: [Ss]erver)?(?![\w-]|\.\w))(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:v\d+)?))?
example     greeting: M-Box POP3 server ready
example     greeting: mail.example.com Isode M-Box 16.0v4 POP3 ready
expect      version: 16.0v4
counterexample greeting: mbox POP3 server ready

rule worldmail
vendor      Qualcomm
product     WorldMail
greeting    (?i)(?<![\w.-])(?:Eudora )?WorldMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: WorldMail POP3 Server 6.1.19.0 ready
expect      version: 6.1.19.0
counterexample greeting: worldmail.example.com POP3 ready

# ===========================================================================================
# ISP and carrier platforms
# ===========================================================================================

rule switchmail
vendor      Sendmail
product     SwitchMail
greeting    (?i)(?<![\w.-])SwitchMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: SwitchMail POP3 server ready <1700000000.1@mail.example.com>
counterexample greeting: switchmail.example.com POP3 ready

rule openwave
vendor      Openwave
product     Email Mx
greeting    (?:(?<![\w.-])Openwave(?![\w-]|\.\w)|\bEmail Mx\b)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Openwave POP3 server ready <1700000000.1@pop.example.net>
example     greeting: pop.example.net Openwave Email Mx 8.0 POP3 ready
expect      version: 8.0
counterexample greeting: openwave.example.net POP3 ready

rule intermail
vendor      Openwave
product     InterMail
greeting    (?<![\w.-])InterMail(?![\w-]|\.\w)(?: v(?<version>[\w.-]+))?
example     greeting: InterMail POP3 server ready.
example     greeting: pop.example.net InterMail vM.8.04.03.22 POP3 server ready
expect      version: M.8.04.03.22
example     greeting: pop.example.net InterMail vK.4.03.02.00 POP3 server ready <1.2@pop.example.net>
expect      version: K.4.03.02.00
counterexample greeting: intermail.example.net POP3 server ready

rule critical-path
vendor      Critical Path
product     Critical Path Messaging Server
greeting    (?i)(?<![\w.-])Critical Path(?: Messaging Server)?\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Critical Path Messaging Server POP3 ready
example     greeting: pop.example.net Critical Path POP3 Server 5.2 ready
expect      version: 5.2
counterexample greeting: criticalpath.example.net POP3 ready

rule memova
vendor      Critical Path
product     Memova Messaging
greeting    (?i)(?<![\w.-])Memova(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Memova Messaging POP3 server ready
counterexample greeting: memova.example.net POP3 ready

# ===========================================================================================
# Chinese and Taiwanese enterprise suites
# ===========================================================================================

rule coremail
vendor      Coremail
product     Coremail
greeting    (?i)^Welcome to coremail Mail Pop3 Server\b
example     greeting: Welcome to coremail Mail Pop3 Server (example.edu.cn[0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5es])

rule coremail-named
priority    95
vendor      Coremail
product     Coremail
greeting    (?i)(?<![\w.-])coremail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Coremail POP3 Server Ready
counterexample greeting: coremail.example.cn POP3 ready

rule turbomail
vendor      TurboMail
product     TurboMail
greeting    (?i)(?<![\w.-])TurboMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: TurboMail POP3 server ready
example     greeting: Welcome to TurboMail 5.2 POP3 Server
expect      version: 5.2
counterexample greeting: turbomail.example.cn POP3 ready

rule umail
vendor      Comingchina
product     U-Mail
greeting    (?i)(?<![\w.-])U-Mail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: U-Mail POP3 Server ready
example     greeting: Welcome to U-Mail 9.8.57 POP3 server
expect      version: 9.8.57
counterexample greeting: YOU-MAIL POP3 ready
counterexample greeting: u-mail.example.cn POP3 ready

rule eyou
vendor      eYou
product     eYou Mail Server
greeting    (?<![\w.-])(?:eYou|EYOU)(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: eYou POP3 server ready
example     greeting: Welcome to eYou Mail System 8.1 POP3
expect      version: 8.1
counterexample greeting: eyou.example.cn POP3 ready

rule mail2000
vendor      Openfind
product     Mail2000
greeting    (?i)(?:(?<![\w.-])Openfind\b|(?<![\w.-])Mail2000(?![\w-]|\.\w))(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Openfind Mail2000 POP3 Server ready
example     greeting: Mail2000 V6.0 POP3 server ready
expect      version: 6.0
counterexample greeting: mail2000.example.tw POP3 ready
