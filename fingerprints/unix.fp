# unix.fp — POP3 servers of the Unix world: Dovecot, Cyrus, Courier, Qpopper and its Berkeley
# ancestor, UW ipop3d, popa3d, qmail, the small daemons (tpop3d, teapop, vm-pop3d, cucipop …),
# and the newer open-source servers (Citadel, DBMail, James, Stalwart, Archiveopteryx, WildDuck,
# the test servers GreenMail, Inbucket and Mailpit). Format and priority bands:
# fingerprints/README.md.
#
# Idioms used throughout this database:
#   (?<![\w.-])Name(?![\w-]|\.\w)   the product's name as a word, not part of a host name
#                                   ("dovecot.example.com" and "mx-dovecot" are not a claim)
#   \s*$                            servers and proxies add trailing blanks; anchored patterns
#                                   tolerate them
#   v?(?<version>\d+(?:\.\d+)+)     versions with or without a "v"; packaging tails
#                                   ("-Debian-…", "-mysql-0.13", "_GA_3079") stay out of the
#                                   version, patch levels the vendor names ("patch 1", "FP5")
#                                   stay in

# ===========================================================================================
# Dovecot
# ===========================================================================================

rule dovecot
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
# login_greeting default "Dovecot ready."; Debian and Ubuntu patch in their name; 1.x with APOP
# appends a timestamp.
greeting    ^Dovecot (?:\((?<os>[A-Z][\w .-]{0,30})\) )?ready\.(?: <[^@>\s]*@(?<host>[^>\s]+)>)?\s*$
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
example     greeting: Dovecot ready.\x20\x20
example     greeting: Dovecot (Debian) ready.
with        capa: CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN LOGIN CRAM-MD5
counterexample greeting: Dovecot is ready
counterexample greeting: POP3 Dovecot ready.

rule dovecot-pro
vendor      Open-Xchange
product     Dovecot Pro
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
greeting    ^Dovecot Pro ready\.\s*$
example     greeting: Dovecot Pro ready.

# A customised login_greeting that still says Dovecot ("Example Mail (Dovecot) ready"). The
# administrator wrote it, so it is likely, not certain; a host name that contains the word is
# no claim at all.
rule dovecot-named
priority    90
confidence  likely
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])dovecot(?![\w-]|\.\w)
example     greeting: Example Corp mail (Dovecot) ready.
example     greeting: POP3 Dovecot ready.
example     greeting: Welcome to the Dovecot POP3 service
counterexample greeting: dovecot.example.com POP3 ready
counterexample greeting: mx-dovecot POP3 ready
counterexample greeting: pop.dovecot-hosting.example ready

# Masked greeting: Dovecot's pop3-login capability list (CAPA first, TOP UIDL RESP-CODES
# PIPELINING, 2.x adds AUTH-RESP-CODE, then STLS USER SASL — the whole list, nothing else) and its
# answer to QUIT before login, "Logging out". The list alone is a shape others can share: it
# names nothing without the QUIT reply ("+OK Logging out", seen from Debian's Dovecot 2.3).
rule dovecot-capa
priority    60
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
capa        \A(?:CAPA\n)?TOP\nUIDL\nRESP-CODES\nPIPELINING(?:\nAUTH-RESP-CODE)?(?:\nSTLS)?(?:\nUSER)?(?:\nSASL(?: [^\n]*)?)?\z
quit        ^\+OK Logging out\.?\s*$
example     greeting: POP3 server ready
with        capa: CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN LOGIN
with        quit: +OK Logging out.
example     greeting: ready
with        capa: CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nSTLS\nUSER\nSASL PLAIN
with        quit: +OK Logging out
counterexample greeting: POP3 server ready
with        capa: CAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nSTLS\nUSER\nSASL PLAIN LOGIN
counterexample capa: TOP\nUIDL\nPIPELINING\nRESP-CODES\nAUTH-RESP-CODE\nUSER
with        quit: +OK Logging out.
counterexample capa: TOP\nUIDL\nRESP-CODES\nPIPELINING\nEXPIRE NEVER\nUSER
with        quit: +OK Logging out.
counterexample capa: TOP\nUIDL\nRESP-CODES\nPIPELINING\nUSER
with        quit: +OK

# Masked greeting, Dovecot's refusal of cleartext USER (disable_plaintext_auth = yes).
rule dovecot-plaintext-error
priority    60
vendor      Dovecot
product     Dovecot
cpe         cpe:2.3:a:dovecot:dovecot:{version}:*:*:*:*:*:*:*
error       ^\[AUTH\] Plaintext authentication disallowed on non-secure (?:\(SSL/TLS\) )?connections\.\s*$
example     greeting: POP3 server ready
with        error: [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.
example     greeting: ready
with        error: [AUTH] Plaintext authentication disallowed on non-secure connections.
counterexample error: [AUTH] Plaintext authentication disallowed
counterexample error: [AUTH] Authentication failed.

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

# Mac OS X Server 10.4 and 10.5 shipped Cyrus with Apple's build in the version:
# "v2.3.8-OS X Server 10.5: 9A562".
rule cyrus-osx
priority    200
vendor      Cyrus
product     Cyrus IMAP
os          Mac OS X Server {osx}
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
greeting    ^(?:(?<host>[^\s<]+) )?Cyrus POP3 v?(?<version>\d+\.\d+(?:\.\d+)?)-OS X(?: Server)? (?<osx>\d+(?:\.\d+)*)(?::? \w+)? server ready
example     greeting: mail.example.com Cyrus POP3 v2.3.8-OS X Server 10.5: 9A562 server ready <1234.1200000000@mail.example.com>
expect      version: 2.3.8
expect      os: Mac OS X Server 10.5
expect      host: mail.example.com
example     greeting: server.example.private Cyrus POP3 v2.2.12-OS X 10.4.0 server ready <2.1100000000@server.example.private>
expect      os: Mac OS X Server 10.4.0
counterexample greeting: mail.example.com Cyrus POP3 v2.3.8 server ready

rule cyrus
vendor      Cyrus
product     Cyrus IMAP
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
# "[host ]Cyrus POP3 [Murder ]vVERSION[-DISTRO-…] server ready <ts@host>"; 3.x drops the "v";
# serverinfo: min drops the version. The host is whatever servername says: FQDN, short name,
# an address in brackets.
greeting    ^(?:(?<host>[^\s<]+) )?Cyrus POP3 (?:Murder )?(?:v?(?<version>\d+\.\d+(?:\.\d+)?)(?:[\w.+~-]*?-(?<os>Debian|Ubuntu|Fedora|Gentoo|Mandriva|SUSE|FreeBSD)(?=-))?[^<]*? |v?\? )?server ready
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
example     greeting: [192.0.2.25] Cyrus POP3 v2.1.18-IPv6-Debian-2.1.18-1 server ready <3.4@[192.0.2.25]>
expect      host: [192.0.2.25]
expect      version: 2.1.18
example     greeting: mx1.example.net Cyrus POP3 3.0.8-Debian-3.0.8-6+deb10u6 server ready <95.1600000000@mx1.example.net>
with        implementation: Cyrus POP3 3
expect      version: 3.0.8
example     greeting: mail_01 Cyrus POP3 v2.4.17 server ready <1.2@mail_01>
expect      host: mail_01
example     greeting: mail.example.com Cyrus POP3 v? server ready <1.2@mail.example.com>
expect      version:
counterexample greeting: Cyrus ready

# The name with its protocol said otherwise (a customised or localised serverinfo line).
rule cyrus-named
priority    95
vendor      Cyrus
product     Cyrus IMAP
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])Cyrus (?:IMAP|POP3)\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)?))?
example     greeting: Cyrus POP3 Server bereit
example     greeting: mail.example.com Cyrus IMAP 2.5.10 POP3 server
expect      version: 2.5.10
counterexample greeting: cyrus.example.com POP3 server ready
counterexample greeting: Cyrus the Great POP3

rule cyrus-impl
vendor      Cyrus
product     Cyrus IMAP
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
implementation ^Cyrus POP3(?: Murder)?(?: server)?(?: v?(?<version>\d+(?:\.\d+)*)[\w.+~-]*)?\s*$
example     greeting: POP3 server ready <2.1700000000@mail>
with        implementation: Cyrus POP3 3
expect      version: 3
example     greeting: ready
with        implementation: Cyrus POP3 v2.4.17-Invoca-RPM-2.4.17-8.el6
expect      version: 2.4.17
counterexample implementation: Cyrus-compatible POP3

# Cyrus pop3d's reply to USER: "+OK Name is a valid mailbox" — no other server words it so.
rule cyrus-user
priority    60
vendor      Cyrus
product     Cyrus IMAP
cpe         cpe:2.3:a:cyrus:imap:{version}:*:*:*:*:*:*:*
user        ^\+OK Name is a valid mailbox\s*$
example     greeting: POP3 server ready <1.1700000000@mail.example.com>
with        user: +OK Name is a valid mailbox
counterexample user: +OK
counterexample user: +OK Name accepted

# ===========================================================================================
# Courier
# ===========================================================================================

rule courier
priority    110
vendor      Courier
product     Courier Mail Server
greeting    ^Hello there\.\s*$
implementation ^Courier Mail Server$
example     greeting: Hello there.
with        implementation: Courier Mail Server
with        capa: CAPA\nTOP\nUSER\nLOGIN-DELAY 10\nPIPELINING\nUIDL\nIMPLEMENTATION COURIER MAIL SERVER\nUTF8 USER\nSTLS

rule courier-named
priority    95
vendor      Courier
product     Courier Mail Server
greeting    (?i)(?<![\w.-])Courier(?:-IMAP| Mail Server| POP3)(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Courier-IMAP POP3 server ready
example     greeting: Courier Mail Server 1.0.16 POP3 ready
expect      version: 1.0.16
counterexample greeting: courier.example.com POP3 ready
counterexample greeting: Courier services POP3 ready

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
greeting    ^Hello there\.(?: <[^>]*>)?\s*$
example     greeting: Hello there.
example     greeting: Hello there. <1700000000.12345@mail.example.com>
counterexample greeting: Hello there
counterexample greeting: Hello there, welcome.

# Courier's pop3login answers QUIT before login with "Better luck next time." (seen from
# Debian's courier-pop 1.0.16), after login with "Bye-bye." — words no other server uses there.
rule courier-quit
priority    60
vendor      Courier
product     Courier Mail Server
quit        ^\+OK (?:Better luck next time|Bye-bye)\.?\s*$
example     greeting: POP3 server ready
with        quit: +OK Better luck next time.
example     greeting: POP3 server ready
with        quit: +OK Bye-bye.
counterexample quit: +OK Bye
counterexample quit: +OK Goodbye.

# Courier's USER reply and its STLS wording ("SSL/TLS") together.
rule courier-user-stls
priority    60
vendor      Courier
product     Courier Mail Server
user        ^\+OK Password required\.\s*$
stls        ^\+OK Begin SSL/TLS negotiation now\.?\s*$
example     greeting: POP3 server ready
with        user: +OK Password required.
with        stls: +OK Begin SSL/TLS negotiation now.
counterexample user: +OK Password required.
with        stls: +OK Begin TLS negotiation now.
counterexample user: +OK Password required for alice.
with        stls: +OK Begin SSL/TLS negotiation now.

# ===========================================================================================
# Qpopper and the Berkeley popper it grew from
# ===========================================================================================

rule qpopper
vendor      Qualcomm
product     Qpopper
cpe         cpe:2.3:a:qualcomm:qpopper:{version}:*:*:*:*:*:*:*
greeting    (?i)^(?:Qpopper|QPOP) \((?:version )?v?(?<version>\d+(?:\.\d+)+[a-z]?\d*)?[^)]{0,20}\) at (?<host>\S+) starting\.
example     greeting: Qpopper (version 4.1.0) at mail.example.com starting.  <12345.1700000000@mail.example.com>
expect      version: 4.1.0
expect      host: mail.example.com
expect      cpe: cpe:2.3:a:qualcomm:qpopper:4.1.0:*:*:*:*:*:*:*
example     greeting: QPOP (version 2.53) at pop.example.edu starting.  <1403.945000000@pop.example.edu>
expect      version: 2.53
example     greeting: QPOP (version 3.1.2) at mailhost starting.
expect      host: mailhost
example     greeting: Qpopper (version 4.0.9) at mail.example.net starting.
example     greeting: QPOP (version 2.4b2) at [192.0.2.1] starting.  <1.2@[192.0.2.1]>
expect      version: 2.4b2
expect      host: [192.0.2.1]
example     greeting: Qpopper (version 4.0.5-shy) at mail.example.com starting.
expect      version: 4.0.5
example     greeting: Qpopper (version ?) at mail.example.com starting.  <1.2@mail.example.com>
expect      version:
counterexample greeting: POP3 (version 4.1.0) at mail.example.com starting.

# The name said otherwise ("Qpopper ready", a customised banner that keeps the name).
rule qpopper-named
priority    95
vendor      Qualcomm
product     Qpopper
cpe         cpe:2.3:a:qualcomm:qpopper:{version}:*:*:*:*:*:*:*
greeting    (?i)(?<![\w.-])(?:Qpopper|QPOP)(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*[a-z]?\d*))?
example     greeting: Qpopper ready
example     greeting: QPOP version 3.1 ready
expect      version: 3.1
counterexample greeting: qpop.example.edu POP3 ready

rule qpopper-impl
vendor      Qualcomm
product     Qpopper
cpe         cpe:2.3:a:qualcomm:qpopper:{version}:*:*:*:*:*:*:*
implementation (?i)^Qpopper(?:-version-v?(?<version>\d+(?:\.\d+)+[a-z]?\d*))?
example     greeting: ready  <12345.1700000000@mail.example.com>
with        implementation: Qpopper-version-4.1.0
expect      version: 4.1.0
example     greeting: POP3 ready
with        implementation: Qpopper
expect      version:

# Qpopper's own capabilities (X-MANGLE, X-MACRO, X-LOCALTIME): no other server lists them.
rule qpopper-capa
priority    60
vendor      Qualcomm
product     Qpopper
cpe         cpe:2.3:a:qualcomm:qpopper:{version}:*:*:*:*:*:*:*
capa        ^X-(?:MANGLE|MACRO|LOCALTIME)(?: |$)
example     greeting: ready  <12345.1700000000@mail.example.com>
with        capa: TOP\nAPOP\nUSER\nLOGIN-DELAY 900\nPIPELINING\nEXPIRE NEVER\nUIDL\nRESP-CODES\nAUTH-RESP-CODE\nX-MANGLE\nX-MACRO\nX-LOCALTIME
counterexample capa: TOP\nUSER\nUIDL\nX-GOOGLE-RICO

# "Pop server at HOST signing off." is the QUIT reply of popper and of Qpopper alike; only Qpopper
# (3.0 and later) answers CAPA.
rule qpopper-quit
priority    60
vendor      Qualcomm
product     Qpopper
cpe         cpe:2.3:a:qualcomm:qpopper:{version}:*:*:*:*:*:*:*
quit        ^\+OK Pop server at (?<host>\S+) signing off\.?\s*$
present     capa
example     greeting: ready  <12345.1700000000@mail.example.com>
with        capa: TOP\nAPOP\nUSER\nUIDL
with        quit: +OK Pop server at mail.example.com signing off.
expect      host: mail.example.com
counterexample quit: +OK Pop server at mail.example.com signing off.
counterexample quit: +OK Server signing off.
with        capa: TOP\nUSER

rule ucb-popper
vendor      UC Berkeley
product     popper
greeting    (?i)^UCB Pop server \(version v?(?<version>\d+(?:\.\d+)+[\w.]*)\) at (?<host>\S+) starting\.
example     greeting: UCB Pop server (version 1.831beta) at mail.example.edu starting.
expect      version: 1.831beta
expect      host: mail.example.edu
example     greeting: UCB Pop server (version 1.6) at mailhost starting.
expect      version: 1.6
counterexample greeting: QPOP (version 2.53) at pop.example.edu starting.

# ===========================================================================================
# UW IMAP's ipop3d
# ===========================================================================================

# "POP3 HOST vVERSION server ready". The greeting names no product, only a shape: likely. UW's
# versions are the release year and a build (2007f.104, 2001.78; before 2000 "v7.64", "v4.47"),
# so a "v1.0" that some other server prints ("POP3 Bigfoot v1.0 server ready") is not UW. Red Hat
# builds end the version in "rh".
rule uw-ipop3d-rh
priority    200
confidence  likely
vendor      University of Washington
product     UW IMAP ipop3d
os          Red Hat
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
greeting    ^POP3 \[?(?<host>[^\s\]]+)\]? v(?<version>(?:199[6-9]|200\d|201\d)[a-z]?\.\d{2,3}|[4-7]\.\d{2,3})rh server ready\s*$
example     greeting: POP3 [192.0.2.10] v2003.83rh server ready
expect      version: 2003.83
expect      host: 192.0.2.10
expect      os: Red Hat
example     greeting: POP3 localhost.localdomain v2001.78rh server ready
expect      host: localhost.localdomain
counterexample greeting: POP3 mail.example.com v1.0rh server ready

rule uw-ipop3d
confidence  likely
vendor      University of Washington
product     UW IMAP ipop3d
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
greeting    (?J)^POP3 \[?(?<host>[^\s\]]+)\]? (?:v(?<version>(?:199[6-9]|200\d|201\d)[a-z]?\.\d{2,3}|[4-7]\.\d{2,3})|(?<version>(?:199[6-9]|200\d|201\d)[a-z]?\.\d{2,3}))[a-z]* server ready\s*$
example     greeting: POP3 mail.example.com v2007f.104 server ready
expect      version: 2007f.104
expect      host: mail.example.com
example     greeting: POP3 mailhost v2004.89 server ready
example     greeting: POP3 pop.example.org v7.64 server ready
expect      version: 7.64
example     greeting: POP3 mail_gw v2006e.101 server ready
expect      host: mail_gw
example     greeting: POP3 mail.example.com 2007f.104 server ready
expect      version: 2007f.104
counterexample greeting: POP3 server ready
counterexample greeting: POP3 Bigfoot v1.0 server ready
counterexample greeting: POP3 mail.example.com v2.1 server ready
counterexample greeting: POP3 mail.example.com v10.4.2 server ready
counterexample greeting: POP3 mail.example.com 7.64 server ready

rule uw-impl
vendor      University of Washington
product     UW IMAP ipop3d
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
implementation ^(?:UW-IMAP-|Washington-)v?(?<version>\d{4}[a-z]?\.\d+)\w*\s*$
example     greeting: POP3 server ready
with        implementation: Washington-2007f.104
expect      version: 2007f.104
counterexample implementation: Washington Mail

# ipop3d's replies: USER "User name accepted, password please", QUIT "Sayonara", and for any
# command it does not know before login (CAPA on builds before 2000)
# "Unknown AUTHORIZATION state command".
rule uw-user
priority    60
vendor      University of Washington
product     UW IMAP ipop3d
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
user        ^\+OK User name accepted, password please\s*$
example     greeting: POP3 server ready
with        user: +OK User name accepted, password please
counterexample user: +OK User name accepted

rule uw-quit
priority    60
vendor      University of Washington
product     UW IMAP ipop3d
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
quit        ^\+OK Sayonara\s*$
example     greeting: POP3 server ready
with        quit: +OK Sayonara
counterexample quit: +OK Sayonara, see you

rule uw-error
priority    60
vendor      University of Washington
product     UW IMAP ipop3d
cpe         cpe:2.3:a:university_of_washington:imap:{version}:*:*:*:*:*:*:*
error       ^Unknown AUTHORIZATION state command\s*$
example     greeting: POP3 server ready
with        error: Unknown AUTHORIZATION state command
counterexample error: Unknown command

# ===========================================================================================
# popa3d, qmail
# ===========================================================================================

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
greeting    (?:^<\d+\.\d+@(?<host>[^>\s]+)>\s*$)?
error       ^authorization first\s*$
example     greeting: <12345.1700000000@mail.example.com>
with        error: authorization first
expect      host: mail.example.com
example     greeting: POP3 server ready
with        error: authorization first
expect      host:
counterexample greeting: <1.2@host>
with        error: authorization first please

# The bare timestamp alone is a shape anyone can send; qmail-popup's "+OK " (a blank after OK,
# nothing else) to USER goes with it.
rule qmail-greeting
priority    55
confidence  likely
vendor      D. J. Bernstein
product     qmail
cpe         cpe:2.3:a:djb:qmail:{version}:*:*:*:*:*:*:*
greeting    ^<\d+\.\d+@(?<host>[^>\s]+)>\s*$
user        ^\+OK $
example     greeting: <2816.1700000123@pop.example.net>
with        user: +OK\x20
expect      host: pop.example.net
counterexample greeting: <2816.1700000123@pop.example.net>
counterexample greeting: <2816.1700000123@pop.example.net>
with        user: +OK
counterexample greeting: ready <2816.1700000123@pop.example.net>
with        user: +OK\x20

# ===========================================================================================
# Small Unix daemons
# ===========================================================================================

rule tpop3d
vendor      Chris Lightfoot
product     tpop3d
greeting    (?i)(?<![\w.-])tpop3d(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*[a-z]?\d*))?
example     greeting: tpop3d 1.5.5 ready <a2b4c6d8e0f1@mail.example.com>
expect      version: 1.5.5
example     greeting: tpop3d v1.5.3-mysql-0.13 ready <00ff3e@mail.example.com>
expect      version: 1.5.3
example     greeting: tpop3d ready <a2b4c6d8e0f1@mail.example.com>
expect      version:
counterexample greeting: tpop3d.example.com ready

rule teapop
vendor      Teapop
product     teapop
greeting    (?i)^Teapop \[v?(?<version>\d+(?:\.\d+)+[\w.]*)?\]
example     greeting: Teapop [v0.3.8] - Teaspoon stirs around again <1700000000.2212@mail.example.com>
expect      version: 0.3.8
example     greeting: Teapop [0.3.5] - Teaspoon stirs around again <1.2@mail.example.org>
expect      version: 0.3.5
counterexample greeting: Teapot ready

rule vm-pop3d
vendor      vm-pop3d
product     vm-pop3d
greeting    (?i)(?<![\w.-])vm-pop3d(?![\w-]|\.\w)(?: v?(?<version>\d+(?:\.\d+)+[a-z]?\d*))?
example     greeting: POP3 Welcome to vm-pop3d 1.1.6 <5218.1700000000@mail.example.com>
expect      version: 1.1.6
example     greeting: POP3 Welcome to vm-pop3d 1.1.7f <1.2@mail.example.org>
expect      version: 1.1.7f
counterexample greeting: POP3 Welcome to GNU POP3 Server Version 0.9.8 <1.2@mail.example.org>

rule cucipop
vendor      Cubic Circle
product     cucipop
greeting    (?i)^Cubic Circle's v(?<version>\d+(?:\.\d+)+\w*) \d{4}/\d\d/\d\d POP3 ready
example     greeting: Cubic Circle's v1.31 1998/05/13 POP3 ready <3d9e0000.1700000000@mail.example.com>
expect      version: 1.31
example     greeting: Cubic Circle's v1.22 1998/04/11 POP3 ready <1.2@host>
expect      version: 1.22

# Katie Stevens' pop3d (the UC Davis pop3d shipped with early Linux distributions). The greeting
# does not name it: only a shape and a 1.0xx version, so a guess.
rule katie-pop3d
priority    45
vendor      Katie Stevens
product     pop3d
greeting    ^(?:(?<host>\S+) )?POP3 Server \(Version (?<version>1\.0\d+[a-z]?)\) ready\.?\s*$
example     greeting: mail.example.com POP3 Server (Version 1.004) ready
expect      version: 1.004
expect      host: mail.example.com
example     greeting: POP3 Server (Version 1.005h) ready.
expect      version: 1.005h
counterexample greeting: mail.example.com POP3 Server (Version 5.4) ready

# ===========================================================================================
# Newer open-source servers
# ===========================================================================================

rule citadel
vendor      Citadel
product     Citadel
greeting    (?i)^(?:(?<host>[^\s<]+) )?Citadel(?:/UX)? POP3 server\b
example     greeting: Citadel POP3 server ready.
example     greeting: mail.example.com Citadel POP3 server <1700000000.15@mail.example.com>
expect      host: mail.example.com
example     greeting: Citadel/UX POP3 server <1.2@bbs.example.org>
counterexample greeting: citadel.example.com POP3 server ready

rule citadel-impl
vendor      Citadel
product     Citadel
implementation (?i)^Citadel(?:/UX)?(?: v?(?<version>\d+(?:\.\d+)*))?
example     greeting: POP3 server ready <1.2@bbs.example.org>
with        implementation: Citadel 9.01
expect      version: 9.01

rule dbmail
vendor      DBMail
product     DBMail
cpe         cpe:2.3:a:dbmail:dbmail:{version}:*:*:*:*:*:*:*
greeting    (?i)^DBMAIL pop3 server ready to rock(?: <[^@>\s]*@(?<host>[^>\s]+)>)?
example     greeting: DBMAIL pop3 server ready to rock <a3c1e5f7b9d2@mail.example.com>
expect      host: mail.example.com
example     greeting: DBMAIL pop3 server ready to rock <0cd24f0d8d8c0c1a0ea83a2b65d4e2a1@pop.example.org>

# nginx mail proxy: "+OK POP3 ready" (a salt when APOP is on) and its fixed default capability
# list TOP USER UIDL (STLS and SASL added by configuration), nothing else. The greeting alone is
# too generic; with the list it is a strong shape.
rule nginx
priority    60
vendor      F5
product     nginx
cpe         cpe:2.3:a:f5:nginx:{version}:*:*:*:*:*:*:*
greeting    ^POP3 ready(?: <[^>]*>)?\s*$
capa        \A(?:CAPA\n)?TOP\nUSER\nUIDL(?:\nSTLS)?(?:\nSASL(?: [^\n]*)?)?(?:\nSTLS)?\z
example     greeting: POP3 ready
with        capa: TOP\nUSER\nUIDL\nSTLS\nSASL LOGIN PLAIN
example     greeting: POP3 ready <2135.1700000000@pop.example.com>
with        capa: TOP\nUSER\nUIDL
counterexample greeting: POP3 ready
counterexample greeting: POP3 Ready <12345.1700000000@mail.example.org>
with        capa: TOP\nUSER\nUIDL\nRESP-CODES\nPIPELINING\nEXPIRE NEVER\nSTLS
counterexample greeting: POP3 ready
with        capa: TOP\nUSER\nUIDL\nRESP-CODES\nPIPELINING

rule apache-james
vendor      Apache
product     James
cpe         cpe:2.3:a:apache:james:{version}:*:*:*:*:*:*:*
# 2.x: "HOST POP3 server (JAMES POP3 Server 2.3.2) ready "; 3.x leaves the version out.
greeting    (?i)\b(?:Apache )?JAMES POP3 Server\b(?: v?(?<version>\d+(?:\.\d+)+)[\w.-]*)?
example     greeting: mail.example.com POP3 server (JAMES POP3 Server 2.3.2) ready
expect      version: 2.3.2
example     greeting: mail.example.org POP3 server (Apache JAMES POP3 Server ) ready
expect      version:
example     greeting: james.example.com POP3 server (JAMES POP3 Server 3.0-beta4) ready\x20
expect      version: 3.0
counterexample greeting: james.example.com POP3 server ready

rule stalwart
vendor      Stalwart Labs
product     Stalwart Mail Server
greeting    (?i)^Stalwart(?: Mail Server| Mail)? POP3\b(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Stalwart POP3 at your service.
example     greeting: Stalwart Mail Server POP3 v0.10.2 at your service.
expect      version: 0.10.2
counterexample greeting: stalwart.example.com POP3 ready

rule stalwart-impl
vendor      Stalwart Labs
product     Stalwart Mail Server
implementation (?i)^Stalwart(?: Mail Server| POP3| Mail)*(?: v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POP3 at your service.
with        implementation: Stalwart Mail Server v0.8.5
expect      version: 0.8.5

rule archiveopteryx
vendor      Archiveopteryx
product     Archiveopteryx
greeting    (?i)(?<![\w.-])Archiveopteryx(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com Archiveopteryx POP3 server ready <1.1700000000@mail.example.com>
example     greeting: Archiveopteryx 3.2.0 POP3 server ready
expect      version: 3.2.0
counterexample greeting: archiveopteryx.example.org POP3 server ready

rule archiveopteryx-impl
vendor      Archiveopteryx
product     Archiveopteryx
implementation (?i)\bArchiveopteryx\b(?:[^\d]{0,20}v?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POP3 server ready <1.1700000000@mail.example.com>
with        implementation: Archiveopteryx POP3 Server, http://archiveopteryx.org

# WildDuck's POP3 greeting copies Gmail's form with its own name: "WDPop ready for requests from
# ADDR SESSION".
rule wildduck
vendor      Zone Media
product     WildDuck
greeting    (?i)^(?:WDPop|WildDuck(?: POP3)?) ready\b
example     greeting: WDPop ready for requests from 198.51.100.7 3Jk2LmNoPq
example     greeting: WildDuck POP3 ready
counterexample greeting: Gpop ready for requests from 198.51.100.7 d9mb41234567pjx

rule wildduck-named
priority    90
vendor      Zone Media
product     WildDuck
greeting    (?i)(?<![\w.-])WildDuck(?![\w-]|\.\w)
example     greeting: mail.example.com WildDuck POP3 server
counterexample greeting: wildduck.example.com POP3 ready

rule emailrelay
vendor      E-MailRelay
product     E-MailRelay
greeting    (?i)(?<![\w.-])E-?MailRelay(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: E-MailRelay POP3 server <1700000000.25@relay.example.com>
example     greeting: E-MailRelay V2.4 POP3 server
expect      version: 2.4
counterexample greeting: emailrelay.example.com POP3 server

rule greenmail
vendor      GreenMail
product     GreenMail
greeting    (?i)(?<![\w.-])GreenMail(?![\w-]|\.\w)(?:[^<]{0,12}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*(?:-\w+)?))?
example     greeting: POP3 GreenMail Server v1.6.15 ready
expect      version: 1.6.15
example     greeting: POP3 GreenMail Server ready
expect      version:
example     greeting: POP3 GreenMail Server v2.0.0-alpha-3 ready
expect      version: 2.0.0-alpha
counterexample greeting: greenmail.example.com POP3 server ready

rule inbucket
vendor      Inbucket
product     Inbucket
greeting    (?i)(?<![\w.-])Inbucket(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Inbucket POP3 server ready <42.1700000000@inbucket>
example     greeting: Inbucket POP3 v3.0.4 ready
expect      version: 3.0.4
counterexample greeting: inbucket.example.com POP3 ready

rule mailpit
vendor      Axllent
product     Mailpit
greeting    (?i)(?<![\w.-])Mailpit(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Mailpit POP3 server
example     greeting: Mailpit v1.20.4 POP3 ready
expect      version: 1.20.4
counterexample greeting: mailpit.example.com POP3 ready

rule java-email-server
vendor      Eric Daugherty
product     Java Email Server
greeting    (?i)(?:(?<![\w.-])Java Email Server\b|\(JES\)|\bJES POP3\b)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: mail.example.com Java Email Server POP3 ready
example     greeting: mail.example.com POP3 Server (JES) 2.0 ready
expect      version: 2.0
counterexample greeting: mail.example.com POP3 Server ready

rule popular
vendor      POPular
product     POPular
greeting    (?<![\w.-])POPular(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: POPular POP3 server ready <1.1700000000@pop.example.net>
example     greeting: pop.example.net POPular 0.5.1 ready
expect      version: 0.5.1
counterexample greeting: A popular POP3 server
