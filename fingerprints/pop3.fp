# pop3.fp — pop3scan's POP3 fingerprints. Format and rules of thumb: fingerprints/README.md.
#
# Priorities used here (higher wins; equal priorities: earlier in the file wins):
#   200  a variant that must beat its parent rule (Exchange Online over Exchange, Fastmail over
#        Cyrus, NetEase over Coremail, a distribution-specific build over the generic one)
#   150  the operator shown by its certificate (Gmail, Mail.ru, Yandex, GMX …)
#   100  (default) the product names itself in the greeting or IMPLEMENTATION
#    90  the product's default greeting is short or plain but still its own ("POP3", "Hello there.")
#    60  no name, but replies only this product gives (error texts, APOP timestamp shape);
#        55 for qmail's bare-timestamp greeting, below its error-text rule
#    50  no name, a capability list only this product sends
#    40  weak evidence, only when nothing else says anything
# A generic or masked greeting ("+OK ready", "+OK POP3 server ready", "+OK") must match nothing.
#
# Examples are written from the banners these servers send by default; several products let the
# administrator change the greeting, and then only the other signals (CAPA, errors, certificate)
# can tell.

# ===========================================================================================
# Dovecot
# ===========================================================================================

rule dovecot
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
# login_greeting default "Dovecot ready."; Debian and Ubuntu patch in their name; 1.x with APOP
# appends a timestamp.
greeting    ^Dovecot (?:\((?<os>[A-Z][\w .-]{0,30})\) )?ready\.(?: <[^@>\s]*@(?<host>[^>\s]+)>)?$
example     greeting: Dovecot ready.
expect      cpe: cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*
expect      os:
example     greeting: Dovecot (Debian) ready.
expect      os: Debian
expect      vendor: Dovecot
expect      product: Dovecot
expect      version:
expect      cpe: cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*
example     greeting: Dovecot (Ubuntu) ready.
expect      os: Ubuntu
example     greeting: Dovecot ready. <4d2.1.5f0c3a1e.Qm9ndXMgc2FsdA==@mail.example.org>
expect      host: mail.example.org
example     greeting: Dovecot (Debian) ready.
with        capa: CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN LOGIN CRAM-MD5
counterexample greeting: Dovecot is ready
counterexample greeting: POP3 Dovecot ready.

rule dovecot-pro
vendor      Open-Xchange
product     Dovecot Pro
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
greeting    ^Dovecot Pro ready\.$
example     greeting: Dovecot Pro ready.

# Masked greeting, but Dovecot's capability list: TOP UIDL RESP-CODES PIPELINING in this order
# (2.x adds AUTH-RESP-CODE). Cyrus lists PIPELINING before RESP-CODES.
rule dovecot-capa
priority    50
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
capa        ^TOP\nUIDL\nRESP-CODES\nPIPELINING$
example     greeting: POP3 server ready
with        capa: CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN LOGIN
example     greeting: ready
with        capa: CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nSTLS\nUSER\nSASL PLAIN
counterexample capa: TOP\nUIDL\nPIPELINING\nRESP-CODES\nAUTH-RESP-CODE\nUSER

# Masked greeting, Dovecot's refusal of cleartext USER (disable_plaintext_auth = yes).
rule dovecot-plaintext-error
priority    60
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
error       ^\[AUTH\] Plaintext authentication disallowed on non-secure (?:\(SSL/TLS\) )?connections\.$
example     greeting: POP3 server ready
with        error: [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.
example     greeting: ready
with        error: [AUTH] Plaintext authentication disallowed on non-secure connections.
counterexample error: [AUTH] Plaintext authentication disallowed

# Dovecot's answer to an unknown command; weaker, hence below every named rule.
rule dovecot-unknown-command
priority    40
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
error       ^Unknown command\.$
example     greeting: ready
with        error: Unknown command.
counterexample error: Unknown command
counterexample error: Unknown command: XYZZY

# ===========================================================================================
# Cyrus IMAP (pop3d)
# ===========================================================================================

# Red Hat / CentOS builds: "v2.4.17-Fedora-RPM-2.4.17-13.el7".
rule cyrus-rhel
priority    200
vendor      Cyrus
product     Cyrus IMAP
os          Red Hat Enterprise Linux {el}
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?Cyrus POP3 (?:Murder )?v?(?<version>\d+\.\d+(?:\.\d+)?)-Fedora-RPM-[\w.+~-]*?\.el(?<el>\d+)[\w.+~-]* server ready
example     greeting: mail.example.com Cyrus POP3 v2.4.17-Fedora-RPM-2.4.17-13.el7 server ready <1869438572.1700000012@mail.example.com>
expect      version: 2.4.17
expect      os: Red Hat Enterprise Linux 7
expect      host: mail.example.com
example     greeting: imap.example.edu Cyrus POP3 v2.3.16-Fedora-RPM-2.3.16-13.el6_6 server ready <3141592653.1400000000@imap.example.edu>
expect      os: Red Hat Enterprise Linux 6
counterexample greeting: mail.example.com Cyrus POP3 v2.3.16-Fedora-RPM-2.3.16-6.fc14 server ready <1.2@mail.example.com>

rule cyrus
vendor      Cyrus
product     Cyrus IMAP
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
# "[host ]Cyrus POP3 [Murder ]vVERSION[-DISTRO-…] server ready <ts@host>"; 3.x drops the "v";
# serverinfo: min drops the version.
greeting    ^(?:(?<host>[^\s<]+) )?Cyrus POP3 (?:Murder )?(?:v?(?<version>\d+\.\d+(?:\.\d+)?)(?:[\w.+~-]*?-(?<os>Debian|Ubuntu|Fedora|Gentoo|Mandriva|SUSE|FreeBSD)(?=-))?[\w.+~:-]* )?server ready
example     greeting: localhost Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5 server ready <1986154883.1700000000@localhost>
expect      vendor: Cyrus
expect      product: Cyrus IMAP
expect      version: 3.6.1
expect      os: Debian
expect      host: localhost
expect      cpe: cpe:2.3:a:cyrus:imap:3.6.1:*:*:*:*:*:*:*
example     greeting: mail.example.org Cyrus POP3 v2.4.16-Debian-2.4.16-4+deb7u1 server ready <2711739658.1390406237@mail.example.org>
expect      version: 2.4.16
expect      os: Debian
example     greeting: pop.example.net Cyrus POP3 v2.4.17-caldav-beta9-Debian-2.4.17+caldav~beta9-3 server ready <1.1@pop.example.net>
expect      version: 2.4.17
expect      os: Debian
example     greeting: mail.example.com Cyrus POP3 v2.3.16-Fedora-RPM-2.3.16-6.fc14 server ready <1.2@mail.example.com>
expect      os: Fedora
example     greeting: Cyrus POP3 v2.2.13 server ready <1234.5678@mailhost>
expect      version: 2.2.13
expect      host:
example     greeting: backend.example.com Cyrus POP3 Murder v2.3.16 server ready
expect      version: 2.3.16
example     greeting: mail.example.com Cyrus POP3 server ready <17.1700000000@mail.example.com>
expect      version:
example     greeting: mx1.example.net Cyrus POP3 3.0.8-Debian-3.0.8-6+deb10u6 server ready <95.1600000000@mx1.example.net>
with        implementation: Cyrus POP3 3
expect      version: 3.0.8
counterexample greeting: Cyrus ready

rule cyrus-impl
vendor      Cyrus
product     Cyrus IMAP
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
implementation ^Cyrus POP3(?: Murder)?(?: server)?(?: v?(?<version>\d+(?:\.\d+)*)[\w.+~-]*)?$
example     greeting: POP3 server ready <2.1700000000@mail>
with        implementation: Cyrus POP3 3
expect      version: 3
example     greeting: ready
with        implementation: Cyrus POP3 v2.4.17-Invoca-RPM-2.4.17-8.el6
expect      version: 2.4.17

# Fastmail runs Cyrus; its name in the greeting or its certificate says whose it is.
rule fastmail
priority    200
vendor      Fastmail
product     Fastmail
greeting    (?i)\bfastmail\b(?![.\w-])
example     greeting: pop.fastmail.com Cyrus POP3 Fastmail server ready <3418.1700000000@pop.fastmail.com>
example     greeting: Fastmail POP3 server ready
counterexample greeting: pop.fastmail.com ready

rule fastmail-cert
priority    150
vendor      Fastmail
product     Fastmail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:fastmail\.(?:com|fm)|messagingengine\.com)(?![\w.-])
example     greeting: pop.fastmail.com Cyrus POP3 server ready <1.1700000000@pop.fastmail.com>
with        cert: CN=*.fastmail.com, CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1
counterexample greeting: ready
with        cert: CN=notfastmail.com
counterexample greeting: ready
with        cert: CN=fastmail.com.evil.example

# ===========================================================================================
# Courier
# ===========================================================================================

rule courier
priority    110
vendor      Courier
product     Courier Mail Server
greeting    ^Hello there\.$
implementation ^Courier Mail Server$
example     greeting: Hello there.
with        implementation: Courier Mail Server
with        capa: CAPA\nTOP\nUSER\nLOGIN-DELAY 10\nPIPELINING\nUIDL\nIMPLEMENTATION COURIER MAIL SERVER\nUTF8 USER\nSTLS

rule courier-impl
vendor      Courier
product     Courier Mail Server
implementation ^Courier Mail Server\b
example     greeting: POP3 server ready
with        implementation: Courier Mail Server

rule courier-greeting
priority    90
vendor      Courier
product     Courier Mail Server
greeting    ^Hello there\.(?: <[^>]*>)?$
example     greeting: Hello there.
example     greeting: Hello there. <1700000000.12345@mail.example.com>
counterexample greeting: Hello there

# ===========================================================================================
# Microsoft
# ===========================================================================================

rule exchange-5.5
vendor      Microsoft
product     Exchange Server 5.5
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:5.5:*:*:*:*:*:*:*
greeting    ^Microsoft Exchange (?:Server )?POP3 server version (?<version>5\.5\.\d+(?:\.\d+)*)(?: \((?<host>[^)\s]+)\))? ready\.?$
example     greeting: Microsoft Exchange POP3 server version 5.5.2653.23 ready
expect      version: 5.5.2653.23
expect      cpe: cpe:2.3:a:microsoft:exchange_server:5.5:*:*:*:*:*:*:*
example     greeting: Microsoft Exchange POP3 server version 5.5.2658.24 (exch55.corp.example.com) ready.
expect      host: exch55.corp.example.com

rule exchange-2000
vendor      Microsoft
product     Exchange Server 2000
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2000:*:*:*:*:*:*:*
greeting    ^Microsoft Exchange (?:Server )?(?:2000 )?POP3 server version (?<version>6\.0\.\d+(?:\.\d+)*)(?: \((?<host>[^)\s]+)\))? ready\.?$
example     greeting: Microsoft Exchange 2000 POP3 server version 6.0.6249.0 (mail.example.com) ready.
expect      version: 6.0.6249.0
expect      host: mail.example.com
example     greeting: Microsoft Exchange 2000 POP3 server version 6.0.6603.0 (EXCHANGE) ready.
expect      host: EXCHANGE

rule exchange-2003
vendor      Microsoft
product     Exchange Server 2003
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2003:*:*:*:*:*:*:*
greeting    ^Microsoft Exchange (?:Server )?(?:2003 )?POP3 server version (?<version>6\.5\.\d+(?:\.\d+)*)(?: \((?<host>[^)\s]+)\))? ready\.?$
example     greeting: Microsoft Exchange Server 2003 POP3 server version 6.5.7638.1 (mx.example.com) ready.
expect      vendor: Microsoft
expect      product: Exchange Server 2003
expect      version: 6.5.7638.1
expect      os: Windows
expect      host: mx.example.com
expect      cpe: cpe:2.3:a:microsoft:exchange_server:2003:*:*:*:*:*:*:*
example     greeting: Microsoft Exchange Server 2003 POP3 server version 6.5.7226.0 (EXCH01.corp.example.local) ready.
expect      version: 6.5.7226.0

rule exchange-2007
vendor      Microsoft
product     Exchange Server 2007
os          Windows
cpe         cpe:2.3:a:microsoft:exchange_server:2007:*:*:*:*:*:*:*
greeting    ^Microsoft Exchange Server 2007 POP3 service ready\.?$
example     greeting: Microsoft Exchange Server 2007 POP3 service ready

# Exchange 2010 to 2019 (and Exchange Online) greet alike; 2013 and later add the server's name,
# base64 of UTF-16LE, in brackets. The release is not in the greeting (NTLM tells the OS build).
rule exchange
vendor      Microsoft
product     Exchange Server
os          Windows
host        {srv|b64utf16}
cpe         cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*
greeting    ^The Microsoft Exchange POP3 service is ready\.(?: \[(?<srv>[A-Za-z0-9+/]{4,340}={0,2})\])?$
example     greeting: The Microsoft Exchange POP3 service is ready.
expect      host:
expect      version:
expect      cpe: cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*
example     greeting: The Microsoft Exchange POP3 service is ready. [RQBYAEMASAAwADEALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGwAbwBjAGEAbAA=]
expect      host: EXCH01.corp.example.local
counterexample greeting: The Microsoft Exchange IMAP4 service is ready.

# Exchange Online (Microsoft 365, Outlook.com): the bracketed name ends in outlook.com,
# exchangelabs.com or outlook.cn — matched on the base64 text at each of its three alignments.
rule exchange-online
priority    200
vendor      Microsoft
product     Exchange Online
host        {srv|b64utf16}
greeting    ^The Microsoft Exchange POP3 service is ready\. \[(?<srv>[A-Za-z0-9+/]{0,300}(?:LgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A|bwB1AHQAbABvAG8AawAuAGMAbwBtAA==|AG8AdQB0AGwAbwBvAGsALgBjAG8AbQA=|LgBlAHgAYwBoAGEAbgBnAGUAbABhAGIAcwAuAGMAbwBtAA==|ZQB4AGMAaABhAG4AZwBlAGwAYQBiAHMALgBjAG8AbQA=|AGUAeABjAGgAYQBuAGcAZQBsAGEAYgBzAC4AYwBvAG0A|LgBvAHUAdABsAG8AbwBrAC4AYwBuAA==|bwB1AHQAbABvAG8AawAuAGMAbgA=|AG8AdQB0AGwAbwBvAGsALgBjAG4A))\]$
example     greeting: The Microsoft Exchange POP3 service is ready. [TQBOADIAUABSADEAMgBDAEEAMAAwADEAOQAuAG4AYQBtAHAAcgBkADEAMgAuAHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A]
expect      host: MN2PR12CA0019.namprd12.prod.outlook.com
example     greeting: The Microsoft Exchange POP3 service is ready. [QQBNADYAUABSADAANQAwADIAQwBBADAAMAA1ADIALgBlAHUAcgBwAHIAZAAwADUALgBwAHIAbwBkAC4AbwB1AHQAbABvAG8AawAuAGMAbwBtAA==]
expect      host: AM6PR0502CA0052.eurprd05.prod.outlook.com
example     greeting: The Microsoft Exchange POP3 service is ready. [QgBZADIAUABSADAAMQAwADEAQwBBADAAMAAwADEALgBwAHIAbwBkAC4AZQB4AGMAaABhAG4AZwBlAGwAYQBiAHMALgBjAG8AbQA=]
expect      host: BY2PR0101CA0001.prod.exchangelabs.com
counterexample greeting: The Microsoft Exchange POP3 service is ready. [RQBYAEMASAAwADEALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGwAbwBjAGEAbAA=]

rule exchange-online-cert
priority    200
vendor      Microsoft
product     Exchange Online
greeting    ^The Microsoft Exchange POP3 service is ready\.
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:outlook\.com|office365\.com|outlook\.cn)(?![\w.-])
example     greeting: The Microsoft Exchange POP3 service is ready.
with        cert: CN=outlook.com, CN=DigiCert Cloud Services CA-1
counterexample greeting: The Microsoft Exchange POP3 service is ready.
with        cert: CN=mail.example.com

# The POP3 service of Windows Server 2003 (not Exchange).
rule windows-pop3-service
vendor      Microsoft
product     Windows POP3 Service
os          Windows Server 2003
greeting    ^Microsoft Windows POP3 Service Version (?<version>\d+\.\d+) <[^@>\s]*@(?<host>[^>\s]+)> ready\.?$
example     greeting: Microsoft Windows POP3 Service Version 1.0 <00162c95@mail.example.com> ready.
expect      version: 1.0
expect      host: mail.example.com

# ===========================================================================================
# Zimbra
# ===========================================================================================

rule zimbra
vendor      Zimbra
product     Zimbra Collaboration
cpe         cpe:2.3:a:synacor:zimbra_collaboration_suite:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?Zimbra (?:(?<version>\d+\.\d+\.\d+)(?:_\w+)? )?POP3 server ready$
example     greeting: mail.example.com Zimbra POP3 server ready
expect      host: mail.example.com
expect      version:
example     greeting: zimbra.example.org Zimbra 8.8.15_GA_4179 POP3 server ready
expect      version: 8.8.15
expect      cpe: cpe:2.3:a:synacor:zimbra_collaboration_suite:8.8.15:*:*:*:*:*:*:*

rule zimbra-impl
vendor      Zimbra
product     Zimbra Collaboration
cpe         cpe:2.3:a:synacor:zimbra_collaboration_suite:{version}:*:*:*:*:*:*:*
implementation ^Zimbra
example     greeting: POP3 ready
with        implementation: ZimbraInc

# ===========================================================================================
# Unix classics
# ===========================================================================================

rule qpopper
vendor      Qualcomm
product     Qpopper
cpe         cpe:2.3:a:qualcomm:qpopper:{version}:*:*:*:*:*:*:*
greeting    ^(?:Qpopper|QPOP) \(version (?<version>\d[\w.-]*)\) at (?<host>\S+) starting\.
example     greeting: Qpopper (version 4.1.0) at mail.example.com starting.  <12345.1700000000@mail.example.com>
expect      version: 4.1.0
expect      host: mail.example.com
expect      cpe: cpe:2.3:a:qualcomm:qpopper:4.1.0:*:*:*:*:*:*:*
example     greeting: QPOP (version 2.53) at pop.example.edu starting.  <1403.945000000@pop.example.edu>
expect      version: 2.53
example     greeting: QPOP (version 3.1.2) at mailhost starting.
example     greeting: Qpopper (version 4.0.9) at mail.example.net starting.

# UW IMAP's ipop3d: "POP3 host vVERSION server ready"; Red Hat's builds end the version in "rh".
rule uw-ipop3d-rh
priority    200
vendor      University of Washington
product     UW IMAP ipop3d
os          Red Hat
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
greeting    ^POP3 \[?(?<host>[^\s\]]+)\]? v(?<version>\d+[a-z]?(?:\.\d+)?)rh server ready$
example     greeting: POP3 [192.0.2.10] v2003.83rh server ready
expect      version: 2003.83
expect      host: 192.0.2.10
expect      os: Red Hat
example     greeting: POP3 localhost.localdomain v2001.78rh server ready
expect      host: localhost.localdomain

rule uw-ipop3d
vendor      University of Washington
product     UW IMAP ipop3d
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
greeting    ^POP3 \[?(?<host>[^\s\]]+)\]? v(?<version>\d+[a-z]?(?:\.\d+)?[a-z]*) server ready$
example     greeting: POP3 mail.example.com v2007f.104 server ready
expect      version: 2007f.104
expect      host: mail.example.com
example     greeting: POP3 mailhost v2004.89 server ready
example     greeting: POP3 pop.example.org v7.64 server ready
counterexample greeting: POP3 server ready

# popa3d: a bare "+OK", and a bare "-ERR" for everything it does not do (CAPA, AUTH, STLS …).
rule popa3d
priority    60
vendor      Openwall
product     popa3d
cpe         cpe:2.3:a:openwall:popa3d:{version}:*:*:*:*:*:*:*
greeting    ^$
absent      capa
error       ^$
example     greeting:
with        error:
expect      cpe: cpe:2.3:a:openwall:popa3d:*:*:*:*:*:*:*:*
counterexample greeting:
counterexample greeting:
with        error: Unknown command.
counterexample greeting:
with        error:
with        capa: TOP\nUSER\nUIDL

# qmail's qmail-popup: greeting is only the APOP timestamp, and every command other than USER,
# PASS, APOP and QUIT gets "-ERR authorization first".
rule qmail
priority    60
vendor      D. J. Bernstein
product     qmail
cpe         cpe:2.3:a:djb:qmail:{version}:*:*:*:*:*:*:*
greeting    (?:^<\d+\.\d+@(?<host>[^>\s]+)>$)?
error       ^authorization first$
example     greeting: <12345.1700000000@mail.example.com>
with        error: authorization first
expect      host: mail.example.com
example     greeting: POP3 server ready
with        error: authorization first
expect      host:
counterexample greeting: <1.2@host>
with        error: authorization first please

rule qmail-greeting
priority    55
vendor      D. J. Bernstein
product     qmail
cpe         cpe:2.3:a:djb:qmail:{version}:*:*:*:*:*:*:*
greeting    ^<\d+\.\d+@(?<host>[^>\s]+)>$
absent      capa
example     greeting: <2816.1700000123@pop.example.net>
expect      host: pop.example.net
counterexample greeting: <2816.1700000123@pop.example.net>
with        capa: TOP\nUIDL\nUSER
counterexample greeting: ready <2816.1700000123@pop.example.net>

rule tpop3d
vendor      Chris Lightfoot
product     tpop3d
greeting    \btpop3d\b(?:[^\d<]{0,20}(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: tpop3d 1.5.5 ready <a2b4c6d8e0f1@mail.example.com>
expect      version: 1.5.5

rule teapop
vendor      Teapop
product     teapop
greeting    ^Teapop \[v?(?<version>\d+(?:\.\d+)+)\]
example     greeting: Teapop [v0.3.8] - Teaspoon stirs around again <1700000000.2212@mail.example.com>
expect      version: 0.3.8

rule vm-pop3d
vendor      vm-pop3d
product     vm-pop3d
greeting    \bvm-pop3d (?<version>\d+(?:\.\d+)+)
example     greeting: POP3 Welcome to vm-pop3d 1.1.6 <5218.1700000000@mail.example.com>
expect      version: 1.1.6

rule cucipop
vendor      Cubic Circle
product     cucipop
greeting    ^Cubic Circle's v(?<version>\d+(?:\.\d+)+) \d{4}/\d\d/\d\d POP3 ready
example     greeting: Cubic Circle's v1.31 1998/05/13 POP3 ready <3d9e0000.1700000000@mail.example.com>
expect      version: 1.31

rule citadel
vendor      Citadel
product     Citadel
greeting    ^(?:(?<host>[^\s<]+) )?Citadel POP3 server\b
example     greeting: Citadel POP3 server ready.
example     greeting: mail.example.com Citadel POP3 server <1700000000.15@mail.example.com>
expect      host: mail.example.com

rule dbmail
vendor      DBMail
product     DBMail
cpe         cpe:2.3:a:dbmail:dbmail:{version}:*:*:*:*:*:*:*
greeting    ^DBMAIL pop3 server ready to rock(?: <[^@>\s]*@(?<host>[^>\s]+)>)?
example     greeting: DBMAIL pop3 server ready to rock <a3c1e5f7b9d2@mail.example.com>
expect      host: mail.example.com

# nginx mail proxy: "+OK POP3 ready" (a salt when APOP is on) and its fixed default capability
# list TOP USER UIDL. The greeting alone is too generic.
rule nginx
priority    60
vendor      F5
product     nginx
cpe         cpe:2.3:a:f5:nginx:{version}:*:*:*:*:*:*:*
greeting    ^POP3 ready(?: <[^>]*>)?$
capa        \A(?:CAPA\n)?TOP\nUSER\nUIDL(?:\n|\z)
example     greeting: POP3 ready
with        capa: TOP\nUSER\nUIDL\nSTLS\nSASL LOGIN PLAIN
example     greeting: POP3 ready <2135.1700000000@pop.example.com>
with        capa: TOP\nUSER\nUIDL
counterexample greeting: POP3 ready

rule apache-james
vendor      Apache
product     James
cpe         cpe:2.3:a:apache:james:{version}:*:*:*:*:*:*:*
greeting    \bJAMES POP3 Server\b(?: (?<version>\d+(?:\.\d+)+[\w.-]*))?
example     greeting: mail.example.com POP3 server (JAMES POP3 Server 2.3.2) ready
expect      version: 2.3.2
example     greeting: mail.example.org POP3 server (Apache JAMES POP3 Server ) ready

rule stalwart
vendor      Stalwart Labs
product     Stalwart Mail Server
greeting    ^Stalwart POP3\b
example     greeting: Stalwart POP3 at your service.

# ===========================================================================================
# Windows and commercial servers
# ===========================================================================================

rule mdaemon
vendor      MDaemon Technologies
product     MDaemon
os          Windows
cpe         cpe:2.3:a:alt-n:mdaemon:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?POP MDaemon\b(?:[^\d<]{0,40}(?<version>\d+\.\d+(?:\.\d+)?))?
example     greeting: mail.example.com POP MDaemon 21.0.3 ready <MDAEMON-F202110271234.AA3412345MD1234@mail.example.com>
expect      version: 21.0.3
expect      host: mail.example.com
expect      cpe: cpe:2.3:a:alt-n:mdaemon:21.0.3:*:*:*:*:*:*:*
example     greeting: mx.example.org POP MDaemon 9.6.5 ready <MDAEMON-F200811121034.AA3456789MD5678@mx.example.org>
expect      version: 9.6.5
example     greeting: mail.example.net POP MDaemon ready using UNREGISTERED SOFTWARE 10.1.2 <MDAEMON-F200911121034.AA1MD1@mail.example.net>
expect      version: 10.1.2

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

# hMailServer's default POP3 welcome is just "POP3".
rule hmailserver
priority    90
vendor      hMailServer
product     hMailServer
os          Windows
cpe         cpe:2.3:a:hmailserver:hmailserver:{version}:*:*:*:*:*:*:*
greeting    ^POP3$
example     greeting: POP3
counterexample greeting: POP3 ready

rule kerio-connect
vendor      Kerio
product     Kerio Connect
cpe         cpe:2.3:a:kerio:connect:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?Kerio Connect (?:(?<version>\d+\.\d+(?:\.\d+)*(?: patch \d+)?) )?POP3 server ready
example     greeting: Kerio Connect 9.2.7 POP3 server ready <4512.1700000000@mail.example.com>
expect      version: 9.2.7
expect      cpe: cpe:2.3:a:kerio:connect:9.2.7:*:*:*:*:*:*:*
example     greeting: Kerio Connect 8.5.3 patch 1 POP3 server ready <1.1700000000@mail.example.org>
expect      version: 8.5.3 patch 1
expect      cpe: cpe:2.3:a:kerio:connect:8.5.3_patch_1:*:*:*:*:*:*:*
example     greeting: Kerio Connect POP3 server ready <1.1700000000@mail.example.org>
expect      version:

rule kerio-mailserver
vendor      Kerio
product     Kerio MailServer
cpe         cpe:2.3:a:kerio:kerio_mailserver:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?Kerio MailServer (?:(?<version>\d+\.\d+(?:\.\d+)*(?: patch \d+)?) )?POP3 server ready
example     greeting: Kerio MailServer 6.7.3 POP3 server ready <2841.1300000000@mail.example.com>
expect      version: 6.7.3

rule icewarp
vendor      IceWarp
product     IceWarp Mail Server
cpe         cpe:2.3:a:icewarp:mail_server:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?IceWarp (?<version>\d+(?:\.\d+)+) POP3\b
example     greeting: mail.example.com IceWarp 12.0.2.1 POP3 Mon, 14 May 2018 10:21:33 +0200 <20180514102133@mail.example.com>
expect      version: 12.0.2.1
expect      host: mail.example.com
example     greeting: IceWarp 11.4.5.0 POP3 Tue, 16 Aug 2016 09:00:00 +0100 <20160816090000@pop.example.org>

rule merak
vendor      IceWarp
product     Merak Mail Server
cpe         cpe:2.3:a:icewarp:merak_mail_server:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?Merak (?<version>\d+(?:\.\d+)+) POP3\b
example     greeting: mail.example.com Merak 8.3.8 POP3 Thu, 08 Feb 2007 12:00:00 +0100 <20070208120000@mail.example.com>
expect      version: 8.3.8

rule axigen
vendor      Axigen
product     Axigen Mail Server
cpe         cpe:2.3:a:axigen:axigen_mail_server:{version}:*:*:*:*:*:*:*
greeting    \bAxigen(?![.\w])(?:[ -]POP3)?(?: [Ss]erver)?(?: v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Axigen POP3 server ready <2171.1649926154@mail.example.com>
example     greeting: mail.example.com Axigen-POP3 10.3.3 ready
expect      version: 10.3.3
counterexample greeting: axigen.example.com POP3 ready

rule communigate
vendor      CommuniGate Systems
product     CommuniGate Pro
cpe         cpe:2.3:a:stalker:communigate_pro:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?CommuniGate Pro POP3 Server(?: (?<version>\d+\.\d+(?:\.\d+)*[a-z]?\d*))? ready
example     greeting: CommuniGate Pro POP3 Server 6.2.12 ready <1.1656000000@mail.example.com>
expect      version: 6.2.12
example     greeting: mail.example.org CommuniGate Pro POP3 Server 5.4.2 ready <39210.1300000000@mail.example.org>
expect      host: mail.example.org
example     greeting: CommuniGate Pro POP3 Server ready <1.1656000000@mail.example.com>

rule domino-lotus
vendor      IBM
product     Lotus Domino
cpe         cpe:2.3:a:ibm:lotus_domino:{version}:*:*:*:*:*:*:*
# "version X2.0" is the POP3 task's own version, not the Domino release.
greeting    ^(?:Lotus Notes|Lotus Domino|IBM Domino|IBM Lotus Domino) POP3 server version (?:Release (?<version>\d[\w.]*)|\S+) ready(?: on (?<host>[^\s/]+))?
example     greeting: Lotus Notes POP3 server version X2.0 ready on mail01/Example.
expect      version:
expect      host: mail01
example     greeting: Lotus Notes POP3 server version Release 8.5.3FP6 ready on Server01/Acme.
expect      version: 8.5.3FP6
expect      cpe: cpe:2.3:a:ibm:lotus_domino:8.5.3fp6:*:*:*:*:*:*:*

rule domino-hcl
vendor      HCL
product     Domino
cpe         cpe:2.3:a:hcltech:domino:{version}:*:*:*:*:*:*:*
greeting    ^(?:HCL )?Domino POP3 server version (?:Release (?<version>\d[\w.]*)|\S+) ready(?: on (?<host>[^\s/]+))?
example     greeting: HCL Domino POP3 server version X2.0 ready on mail/Example.
expect      host: mail
example     greeting: Domino POP3 server version Release 12.0.2 ready on Mail01/Acme.
expect      version: 12.0.2

rule smartermail
vendor      SmarterTools
product     SmarterMail
os          Windows
cpe         cpe:2.3:a:smartertools:smartermail:{version}:*:*:*:*:*:*:*
greeting    \bSmarterMail(?![.\w])(?:[^\d<]{0,30}(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com SmarterMail POP3 server ready
example     greeting: SmarterMail 16.3 POP3 Server Ready
expect      version: 16.3

rule mailenable
vendor      MailEnable
product     MailEnable
os          Windows
cpe         cpe:2.3:a:mailenable:mailenable:{version}:*:*:*:*:*:*:*
greeting    ^Welcome to MailEnable POP3 Server\b
example     greeting: Welcome to MailEnable POP3 Server

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

rule mercury
vendor      Pegasus Mail
product     Mercury/32
os          Windows
greeting    \bMercury/(?:32|NLM)(?![\w])(?:[^\d<]{0,20}(?<version>\d+\.\d+\w*))?
example     greeting: mail.example.com Mercury/32 v4.62 POP3 server ready.
expect      version: 4.62
example     greeting: <1700000000.9@mail.example.com> Mercury/32 POP3 server ready.

rule argosoft
vendor      ArGoSoft
product     ArGoSoft Mail Server
os          Windows
cpe         cpe:2.3:a:argosoft:mail_server:{version}:*:*:*:*:*:*:*
greeting    (?J)\bArGoSoft Mail Server\b[^<]{0,60}?Version (?:\d+(?:\.\d+)* \((?<version>\d+(?:\.\d+)+)\)|(?<version>\d+(?:\.\d+)*))
example     greeting: ArGoSoft Mail Server Pro for WinNT/2000/XP, Version 1.8 (1.8.9.4)
expect      version: 1.8.9.4
example     greeting: ArGoSoft Mail Server Freeware, Version 1.8 (1.8.2.9)
expect      version: 1.8.2.9
example     greeting: ArGoSoft Mail Server, Version 1.61
expect      version: 1.61

rule xmail
vendor      Davide Libenzi
product     XMail
greeting    \[XMail (?<version>\d+(?:\.\d+)+)(?: \((?<os>[^/)]+)/[^)]*\))? POP3 Server\]
example     greeting: <1700000000.3344@mail.example.com> [XMail 1.27 (Linux/Ix86) POP3 Server] service ready; Tue, 9 Jan 2018 10:00:00 +0100
expect      version: 1.27
expect      os: Linux
example     greeting: <1.2@mail.example.org> [XMail 1.22 POP3 Server] service ready; Wed, 1 Feb 2006 10:00:00 +0100
expect      os:

rule surgemail
vendor      NetWin
product     SurgeMail
cpe         cpe:2.3:a:netwin:surgemail:{version}:*:*:*:*:*:*:*
greeting    \bSurgeMail(?![.\w])(?:[^<]{0,40}?\b(?:[Vv]ersion |v)(?<version>\d+\.\d+\w*))?
example     greeting: SurgeMail POP3 server Version 7.3k ready <1700000000.1@mail.example.com>
expect      version: 7.3k
example     greeting: mail.example.com SurgeMail POP3 ready

rule mailsite
vendor      Rockliffe
product     MailSite
os          Windows
cpe         cpe:2.3:a:rockliffe:mailsite:{version}:*:*:*:*:*:*:*
greeting    \bMailSite POP3 Server (?<version>\d+(?:\.\d+)+)
example     greeting: mail.example.com MailSite POP3 Server 9.0.4 Ready <1700000000.1@mail.example.com>
expect      version: 9.0.4

rule post-office
vendor      Software.com
product     Post.Office
greeting    \bPost\.Office v(?<version>\d+(?:\.\d+)+)
example     greeting: POP3 server mail.example.com (Post.Office v3.5.3 release 223 ID# 0-0U10L2S100) ready
expect      version: 3.5.3

rule wingate
vendor      Qbik
product     WinGate
os          Windows
cpe         cpe:2.3:a:qbik:wingate:{version}:*:*:*:*:*:*:*
greeting    \bWinGate(?![.\w])
example     greeting: WinGate Engine POP3 Gateway ready

rule cmailserver
vendor      Youngzsoft
product     CMailServer
os          Windows
greeting    \bCMailServer (?<version>\d+(?:\.\d+)+)
example     greeting: CMailServer 5.4.6 POP3 Service Ready
expect      version: 5.4.6

rule winmail
vendor      AMAX
product     Winmail Server
os          Windows
greeting    \bWinmail Mail Server\b
example     greeting: Welcome to Winmail Mail Server

rule vpop3
vendor      PSCS
product     VPOP3
os          Windows
greeting    ^VPOP3 Server Ready\b
example     greeting: VPOP3 Server Ready <1700000000.12@mail.example.com>

rule ntmail
vendor      Gordano
product     NTMail
os          Windows
greeting    \bNTMail(?![.\w])
example     greeting: NTMail POP3 server ready <1700000000.1@mail.example.com>

rule eserv
vendor      Etype
product     Eserv
os          Windows
greeting    \bEserv/(?<version>\d+(?:\.\d+)+)
example     greeting: Eserv/3.26 POP3 server ready <1700000000.1@mail.example.com>
expect      version: 3.26

rule mailtraq
vendor      Enstar
product     Mailtraq
os          Windows
greeting    \bMailtraq(?![.\w])
example     greeting: Mailtraq POP3 server ready <1700000000.1@mail.example.com>

rule firstclass
vendor      OpenText
product     FirstClass
greeting    \bFirstClass(?![.\w])
example     greeting: FirstClass POP3 server ready

# ===========================================================================================
# Groupware and carrier-grade servers
# ===========================================================================================

rule sun-messaging
vendor      Sun
product     Java System Messaging Server
cpe         cpe:2.3:a:sun:java_system_messaging_server:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>\S+) )?POP3 service \((?:Sun Java\(tm\) System|Sun ONE) Messaging Server (?<version>\d[\w.-]*(?: Patch \d+)?)
example     greeting: mail.example.com POP3 service (Sun Java(tm) System Messaging Server 6.3-7.04 (built Sep 26 2008)) <1700000000.1@mail.example.com>
expect      version: 6.3-7.04
expect      host: mail.example.com
example     greeting: ms.example.edu POP3 service (Sun ONE Messaging Server 6.0 Patch 1 (built Jan 28 2004))
expect      version: 6.0 Patch 1

rule oracle-messaging
vendor      Oracle
product     Communications Messaging Server
cpe         cpe:2.3:a:oracle:communications_messaging_server:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>\S+) )?POP3 service \(Oracle Communications Messaging Server (?<version>\d[\w.-]*)
example     greeting: mail.example.com POP3 service (Oracle Communications Messaging Server 7.0.5.29.0 64bit (built Oct 23 2013))
expect      version: 7.0.5.29.0
example     greeting: ms01.example.net POP3 service (Oracle Communications Messaging Server 8.0.2.4.20190703 64bit (built Jul  3 2019))

rule iplanet-messaging
vendor      iPlanet
product     iPlanet Messaging Server
greeting    ^(?:(?<host>\S+) )?POP3 service \(iPlanet Messaging Server (?<version>\d[\w.-]*(?: HotFix [\d.]+)?)
example     greeting: mail.example.com POP3 service (iPlanet Messaging Server 5.2 HotFix 2.14 (built Aug  8 2006))
expect      version: 5.2 HotFix 2.14

rule netscape-messaging
vendor      Netscape
product     Netscape Messaging Server
cpe         cpe:2.3:a:netscape:messaging_server:{version}:*:*:*:*:*:*:*
greeting    \bNetscape (?:Messaging|Mail) Server v?(?<version>\d+(?:\.\d+)*(?: Patch \d+)?)
example     greeting: mail.example.com POP3 service (Netscape Messaging Server 4.15 Patch 2 (built May 30 2000))
expect      version: 4.15 Patch 2
example     greeting: Netscape Mail Server v2.02 ready
expect      version: 2.02

rule groupwise
vendor      Novell
product     GroupWise
cpe         cpe:2.3:a:novell:groupwise:{version}:*:*:*:*:*:*:*
greeting    (?:\bGroupWise(?![.\w])|\bGWIA POP3\b)(?:[^\d<]{0,30}(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: GroupWise POP3 server ready
example     greeting: GWIA POP3 server ready <1700000000.77@gw.example.com>

rule netmail
vendor      Novell
product     NetMail
greeting    \bNetMail (?:POP3\b|v?(?<version>\d+(?:\.\d+)+))
example     greeting: mail.example.com NetMail POP3 Agent ready <1700000000.1@mail.example.com>
example     greeting: NetMail 3.52 POP3 server ready
expect      version: 3.52

rule scalix
vendor      Scalix
product     Scalix
greeting    \bScalix(?![.\w])
example     greeting: Scalix POP3 Server ready <1700000000.1@mail.example.com>

rule zarafa
vendor      Zarafa
product     Zarafa
cpe         cpe:2.3:a:zarafa:zarafa:{version}:*:*:*:*:*:*:*
greeting    ^Zarafa POP3 gateway ready\b
example     greeting: Zarafa POP3 gateway ready

rule kopano
vendor      Kopano
product     Kopano
greeting    ^Kopano POP3 gateway ready\b
example     greeting: Kopano POP3 gateway ready

rule switchmail
vendor      Sendmail
product     SwitchMail
greeting    \bSwitchMail(?![.\w])
example     greeting: SwitchMail POP3 server ready <1700000000.1@mail.example.com>

rule openwave
vendor      Openwave
product     Email Mx
greeting    \bOpenwave(?![.\w])
example     greeting: Openwave POP3 server ready <1700000000.1@pop.example.net>

rule intermail
vendor      Openwave
product     InterMail
greeting    \bInterMail(?![.\w])(?: v(?<version>[\w.-]+))?
example     greeting: InterMail POP3 server ready.
example     greeting: pop.example.net InterMail vM.8.04.03.22 POP3 server ready
expect      version: M.8.04.03.22

rule mirapoint
vendor      Mirapoint
product     Mirapoint Message Server
greeting    \bMirapoint(?![.\w])(?:[^\d<]{0,20}(?<version>\d+\.\d+(?:\.\d+)*[\w.-]*))?
example     greeting: mail.example.com Mirapoint POP3 server ready
example     greeting: POP3 pop.example.edu Mirapoint 3.8.2-GA server ready
expect      version: 3.8.2-GA

# ===========================================================================================
# Mail services on the internet
# ===========================================================================================

rule gmail
vendor      Google
product     Gmail
greeting    ^Gpop ready for requests from \S+ \S+$
example     greeting: Gpop ready for requests from 198.51.100.7 d9mb41234567pjx
example     greeting: Gpop ready for requests from 2001:db8::15 a5mb0123456789abc

rule gmail-cert
priority    150
vendor      Google
product     Gmail
cert        \bCN\s*=\s*pop\.gmail\.com(?![\w.-])
example     greeting: ready
with        cert: CN=pop.gmail.com, CN=GTS CA 1C3

rule yahoo
vendor      Yahoo
product     Yahoo Mail
greeting    ^hello from popgate[-(](?<version>\d+(?:\.\d+)+)\)?(?: (?<host>\S+))?$
example     greeting: hello from popgate-0.8.0.504347 pop013.mail.ir2.yahoo.com
expect      version: 0.8.0.504347
expect      host: pop013.mail.ir2.yahoo.com
example     greeting: hello from popgate(2.35.10)
expect      version: 2.35.10

rule yahoo-cert
priority    150
vendor      Yahoo
product     Yahoo Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*yahoo\.(?:com|co\.jp|co\.uk|fr|de)(?![\w.-])
example     greeting: ready
with        cert: CN=*.pop.mail.yahoo.com

rule aol
priority    150
vendor      AOL
product     AOL Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*aol\.com(?![\w.-])
example     greeting: hello from popgate-0.8.0.504347 pop.aol.mail.gq1.yahoo.com
with        cert: CN=pop.aol.com
counterexample greeting: ready
with        cert: CN=mail.myaol.com

rule zoho
vendor      Zoho
product     Zoho Mail
greeting    \b(?:Zoho|ZOHO)(?![.\w-])
example     greeting: Zoho Mail POP3 Server Ready
example     greeting: ZOHO POP Server Ready
counterexample greeting: zoho.example.com ready

rule zoho-cert
priority    150
vendor      Zoho
product     Zoho Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*zoho\.(?:com|eu|in|com\.au|jp|com\.cn)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.zoho.eu

rule mailru-cert
priority    150
vendor      VK
product     Mail.ru
cert        \bCN\s*=\s*(?:[\w*-]+\.)*mail\.ru(?![\w.-])
example     greeting: ready
with        cert: CN=*.mail.ru, CN=GlobalSign GCC R3 DV TLS CA 2020
counterexample greeting: ready
with        cert: CN=mail.ru.example.com

rule yandex
vendor      Yandex
product     Yandex Mail
greeting    ^POP Ya!(?:\s|$)
example     greeting: POP Ya! na@6 LkNqkcOq84Y1
counterexample greeting: POP Yandex ready

rule yandex-cert
priority    150
vendor      Yandex
product     Yandex Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*yandex\.(?:ru|net|com|com\.tr|by|kz|ua)(?![\w.-])
example     greeting: ready
with        cert: CN=pop.yandex.ru

rule gmx-cert
priority    150
vendor      GMX
product     GMX Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*gmx\.(?:net|com|de|at|ch|co\.uk|fr|es)(?![\w.-])
example     greeting: POP server ready
with        cert: CN=pop.gmx.net

rule webde-cert
priority    150
vendor      WEB.DE
product     WEB.DE Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*web\.de(?![\w.-])
example     greeting: POP server ready
with        cert: CN=pop3.web.de
counterexample greeting: ready
with        cert: CN=myweb.de

# Coremail (NetEase's 163.com, 126.com, and many Chinese universities and companies).
rule netease
priority    200
vendor      NetEase
product     NetEase Mail
greeting    ^Welcome to coremail Mail Pop3 Server \((?:163|126|yeah|188)coms\b
example     greeting: Welcome to coremail Mail Pop3 Server (163coms[b62aaa251425b4be4eaec4ab4744cf47s])
example     greeting: Welcome to coremail Mail Pop3 Server (126coms[10b4a4f3d4c2a1e6f0c1b5a4d3e2f1a0s])

rule coremail
vendor      Coremail
product     Coremail
greeting    ^Welcome to coremail Mail Pop3 Server\b
example     greeting: Welcome to coremail Mail Pop3 Server (example.edu.cn[0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5es])

rule qqmail
vendor      Tencent
product     QQ Mail
greeting    ^XMail POP3 Server v1\.0 Service Ready\(XMail v1\.0\)$
example     greeting: XMail POP3 Server v1.0 Service Ready(XMail v1.0)
