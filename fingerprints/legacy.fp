# legacy.fp — the old stacks: VMS (HP/Compaq/Digital TCP/IP Services, MultiNet, TCPware, PMDF),
# IBM i (AS/400), classic Mac OS servers (AppleShare IP, QuickMail Pro, Eudora Internet Mail
# Server), the early Windows NT servers (EMWAC IMS) and ISP servers of the 1990s (Post.Office,
# IUPOP3). Format, bands and idioms: fingerprints/README.md and the head of unix.fp.

# OpenVMS's own TCP/IP stack; its name changed with the vendor (Digital, Compaq, HP, VSI).
rule openvms-tcpip
vendor      HP
product     TCP/IP Services for OpenVMS
os          OpenVMS
greeting    (?i)\bTCP/?IP Services for OpenVMS\b(?:[^<]{0,30}?\bV?(?<version>\d+\.\d+(?:-\w+)?))?
example     greeting: mail.example.com HP TCP/IP Services for OpenVMS POP3 Server V5.6 ready
expect      version: 5.6
example     greeting: vms.example.edu POP3 Server (Compaq TCP/IP Services for OpenVMS) ready
counterexample greeting: MultiNet POP3 Server V5.3 ready

rule openvms-tcpip-version
priority    95
vendor      HP
product     TCP/IP Services for OpenVMS
os          OpenVMS
greeting    (?i)\bPOP3 Server \(Version V?(?<version>[5-6]\.\d+(?:-\w+)?)\)[^<]{0,40}?\bOpenVMS\b
example     greeting: vms.example.edu POP3 Server (Version V5.4-15) on OpenVMS ready
expect      version: 5.4-15
counterexample greeting: vms.example.edu POP3 Server (Version V5.4-15) ready

rule multinet
vendor      Process Software
product     MultiNet
os          OpenVMS
greeting    (?<![\w.-])MultiNet(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:-\w+)?))?
example     greeting: MultiNet POP3 Server V5.3 ready
expect      version: 5.3
example     greeting: vms.example.com MultiNet POP3 server ready
counterexample greeting: multinet.example.com POP3 ready

rule tcpware
vendor      Process Software
product     TCPware
os          OpenVMS
greeting    (?i)(?<![\w.-])TCPware(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:-\w+)?))?
example     greeting: TCPware POP3 server V5.7 ready
expect      version: 5.7
counterexample greeting: tcpware.example.com POP3 ready

rule pmdf
vendor      Process Software
product     PMDF
greeting    (?<![\w.-])PMDF(?: popstore)?(?![\w-]|\.\w)(?:[^<]{0,10}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:-\w+)?))?
example     greeting: mail.example.com POP3 server (PMDF V6.2-X) ready <1.2@mail.example.com>
expect      version: 6.2-X
example     greeting: PMDF popstore POP3 server ready
counterexample greeting: pmdf.example.com POP3 ready

# IBM i (OS/400, i5/OS) names the release as VxRyMz.
rule ibm-i
vendor      IBM
product     IBM i
os          IBM i
greeting    (?:(?<![\w.-])(?:OS/400|i5/OS|AS/400|IBM i)(?![\w-]|\.\w))(?:[^<]{0,20}?\b(?<version>V\d+R\d+M\d+))?
example     greeting: POP3 server (IBM OS/400 V5R4M0) ready
expect      version: V5R4M0
example     greeting: AS400.EXAMPLE.COM POP server ready (IBM i V7R3M0)
expect      version: V7R3M0
counterexample greeting: as400.example.com POP3 ready

rule iupop3
vendor      Indiana University
product     IUPOP3
greeting    (?i)(?<![\w.-])IUPOP3(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*\w*))?
example     greeting: IUPOP3 server ready
example     greeting: IUPOP3 v1.0b6 POP3 server ready
expect      version: 1.0b6
counterexample greeting: iupop3.example.edu POP3 ready

rule appleshare-ip
vendor      Apple
product     AppleShare IP
os          Mac OS
greeting    (?i)(?<![\w.-])AppleShare IP(?: Mail Server)?\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: AppleShare IP Mail Server 6.2 POP3 server ready
expect      version: 6.2
counterexample greeting: AppleShare POP3 ready

rule quickmail-pro
vendor      CE Software
product     QuickMail Pro Server
os          Mac OS
greeting    (?i)(?<![\w.-])QuickMail Pro(?: Server)?\b(?:[^<]{0,30}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: QuickMail Pro Server for Macintosh 1.5 ready
expect      version: 1.5
counterexample greeting: Quick POP3 server ready

rule eims
vendor      Qualcomm
product     Eudora Internet Mail Server
os          Mac OS
greeting    (?:(?<![\w.-])Eudora Internet Mail Server\b|(?<![\w.-])EIMS(?![\w-]|\.\w))(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com Eudora Internet Mail Server 3.2.6 POP3 ready
expect      version: 3.2.6
example     greeting: EIMS POP3 server ready
counterexample greeting: eims.example.com POP3 ready

rule emwac-ims
vendor      EMWAC
product     Internet Mail Services
os          Windows NT
greeting    (?i)(?<![\w.-])EMWAC(?![\w-]|\.\w)(?:[^<]{0,40}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: EMWAC IMS POP3 server version 0.83 ready
expect      version: 0.83
counterexample greeting: emwac.example.com POP3 ready

rule post-office
vendor      Software.com
product     Post.Office
greeting    (?i)\bPost\.Office v?(?<version>\d+(?:\.\d+)+)
example     greeting: POP3 server mail.example.com (Post.Office v3.5.3 release 223 ID# 0-0U10L2S100) ready
expect      version: 3.5.3
example     greeting: POP3 server pop.example.net (Post.Office v3.1 release PO203a ID# 0-0U10L2S100) ready
expect      version: 3.1
counterexample greeting: post.office.example.com POP3 ready
