# debian.fp — fingerprints of the POP3 servers Debian 12 packages other than Dovecot, Cyrus,
# Courier and popa3d (those are in pop3.fp): GNU Mailutils, Solid POP3, Perdition and Twisted.
# Format, priority bands and confidence: fingerprints/README.md.
#
# Every example here is what the real server sent on loopback, started by the test suite
# (tests/servers/{mailutils,solid-pop3d,perdition,twisted}.sh; tests/integration/test_*.py check
# what pop3scan names each one, on its cleartext and its TLS port). Host names in the examples are
# the test machine's ("vm", "localhost"); the patterns take any. Three of the four name nothing
# like a version before login: only what they do show is used.

# ===========================================================================================
# GNU Mailutils pop3d (mailutils-pop3d)
# ===========================================================================================

# After login, CAPA names it: "IMPLEMENTATION GNU Mailutils 3.15" (pop3d lists IMPLEMENTATION only
# in the TRANSACTION state, so a scanner that does not log in never sees it).
rule mailutils
vendor      GNU
product     Mailutils
cpe         cpe:2.3:a:gnu:mailutils:{version}:*:*:*:*:*:*:*
implementation ^GNU Mailutils(?: (?<version>\d+(?:\.\d+)+))?
example     greeting: POP3 Ready <1147.1796363862@vm>
with        implementation: GNU Mailutils 3.15
with        capa: TOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nEXPIRENEVER\nUSER\nSTLS\nIMPLEMENTATION GNU Mailutils 3.15
expect      version: 3.15
expect      cpe: cpe:2.3:a:gnu:mailutils:3.15:*:*:*:*:*:*:*
example     greeting: POP3 Ready <1.2@host>
with        implementation: GNU Mailutils 2.2
expect      version: 2.2
counterexample implementation: Mailutils-like server 1.0

# Before login Mailutils 3.15 names nothing: "+OK POP3 Ready <PID.TIME@host>" is a greeting anyone
# could send (the unit test keeps it among the generic ones). Its CAPA gives it away:
# "EXPIRENEVER", RFC 2449's "EXPIRE NEVER" with the blank lost, a misprint no other server sends.
# Misprint and greeting together are strong indirect evidence (likely). Its list also starts
# TOP UIDL RESP-CODES PIPELINING, as Dovecot's does: this rule must outrank that capability-order
# guess. The STLS reply "+OK Begin TLS negotiation", USER's bare "+OK" and QUIT's bare "+OK" are
# too plain to add anything.
rule mailutils-expirenever
priority    60
vendor      GNU
product     Mailutils
cpe         cpe:2.3:a:gnu:mailutils:{version}:*:*:*:*:*:*:*
greeting    ^POP3 Ready(?: <[^@>\s]*@(?<host>[^>\s]+)>)?$
capa        ^EXPIRENEVER$
example     greeting: POP3 Ready <28900.1796363500@vm>
with        capa: TOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nEXPIRENEVER\nUSER\nSTLS
with        user: +OK
with        stls: +OK Begin TLS negotiation
with        quit: +OK
expect      vendor: GNU
expect      product: Mailutils
expect      version:
expect      host: vm
expect      cpe: cpe:2.3:a:gnu:mailutils:*:*:*:*:*:*:*:*
# the implicit-TLS port: the same list without STLS
example     greeting: POP3 Ready <28913.1796363500@mail.example.org>
with        capa: TOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nEXPIRENEVER\nUSER
expect      host: mail.example.org
# the generic greeting with RFC 2449's spelling: anyone's
counterexample greeting: POP3 Ready <28900.1796363500@vm>
with        capa: TOP\nUIDL\nRESP-CODES\nPIPELINING\nAUTH-RESP-CODE\nEXPIRE NEVER\nUSER\nSTLS
# the misprint alone, under a greeting that is not Mailutils'
counterexample greeting: Dovecot ready.
with        capa: TOP\nUIDL\nEXPIRENEVER
counterexample greeting: POP3 Ready <28900.1796363500@vm>
with        capa: TOP\nUIDL\nRESP-CODES\nPIPELINING\nEXPIRENEVER-NOT\nUSER

# ===========================================================================================
# Solid POP3 (solid-pop3d)
# ===========================================================================================

# The greeting is compiled in, with the APOP timestamp always: "+OK Solid POP3 server ready
# <PID.TIME@host>" (host: gethostname(), or APOPServerName). No version anywhere: CAPA is
# "-ERR unknown command", USER "+OK username accepted", QUIT "+OK session ended".
rule solid-pop3d
vendor      Solid POP3
product     Solid POP3
greeting    ^Solid POP3 server ready(?: <[^@>\s]*@(?<host>[^>\s]+)>)?
example     greeting: Solid POP3 server ready <21062.1796363727@vm>
with        error: unknown command
with        user: +OK username accepted
with        quit: +OK session ended
expect      vendor: Solid POP3
expect      product: Solid POP3
expect      version:
expect      host: vm
example     greeting: Solid POP3 server ready <12345.1700000000@mail.example.com>
expect      host: mail.example.com
counterexample greeting: POP3 server ready <12345.1700000000@mail.example.com>
counterexample greeting: Solid state POP3 server ready

# ===========================================================================================
# Perdition (a POP3 and IMAP proxy)
# ===========================================================================================

# Perdition 2.x misspells itself in its greeting: "POP3 perditon ready on HOST SERIAL" (HOST: the
# bind address, or the uname node name with --no_bind_banner; SERIAL: 8 hex digits, the
# connection's). Older releases spelled "perdition"; both are taken. No version is shown.
rule perdition
vendor      Perdition
product     Perdition POP3 proxy
greeting    ^POP3 perditi?on ready on (?<host>\S+)(?: [0-9A-Fa-f]+)?$
example     greeting: POP3 perditon ready on 127.0.0.1 0002c336
with        capa: UIDL\nUSER\nSTLS
with        user: +OK USER p3s367f9a69e8ea set, mate
with        stls: +OK Begin TLS negotiation, mate
with        quit: +OK QUIT
expect      vendor: Perdition
expect      product: Perdition POP3 proxy
expect      version:
expect      host: 127.0.0.1
example     greeting: POP3 perdition ready on pop.example.com 0003a1b2
expect      host: pop.example.com
counterexample greeting: POP3 proxy ready on pop.example.com
counterexample greeting: POP3 perditon ready

# Perdition answers everything before login itself, in its own Australian voice: USER gets
# "+OK USER <name> set, mate", STLS "+OK Begin TLS negotiation, mate". Each is strong indirect
# evidence when the greeting has been replaced or says nothing.
rule perdition-user
priority    60
vendor      Perdition
product     Perdition POP3 proxy
user        ^\+OK USER \S+ set, mate$
example     greeting: POP3 server ready
with        user: +OK USER p3s367f9a69e8ea set, mate
with        capa: UIDL\nUSER\nSTLS
expect      product: Perdition POP3 proxy
expect      host:
counterexample greeting: POP3 server ready
with        user: +OK USER p3s367f9a69e8ea set
counterexample user: +OK User name accepted, mate, send password

rule perdition-stls
priority    60
vendor      Perdition
product     Perdition POP3 proxy
stls        ^\+OK Begin TLS negotiation, mate$
example     greeting: ready
with        stls: +OK Begin TLS negotiation, mate
expect      product: Perdition POP3 proxy
counterexample greeting: ready
with        stls: +OK Begin TLS negotiation
counterexample stls: +OK Begin TLS negotiation now.

# ===========================================================================================
# Twisted (python3-twisted: twisted.mail.pop3.POP3, a library servers are built with)
# ===========================================================================================

# Twisted's POP3 greets with its APOP challenge alone, made by twisted.mail.smtp.messageid():
# "<YYYYMMDDhhmmss.PID.RANDOM.COUNTER@fqdn>". qmail's bare challenge has two parts
# ("<PID.TIME@host>"); this four-part shape with a 14-digit date is Twisted's own, strong indirect
# evidence (likely). It outranks the reply rules below so that the host is taken from it.
rule twisted
priority    65
vendor      Twisted Matrix Labs
product     Twisted Mail
cpe         cpe:2.3:a:twistedmatrix:twisted:{version}:*:*:*:*:*:*:*
greeting    ^<\d{14}\.\d+\.\d+\.\d+@(?<host>[^>\s]+)>$
example     greeting: <20261204055705.30553.509700602.4@localhost>
with        capa: TOP\nUSER\nUIDL\nPIPELINE\nCELERITY\nAUSPEX\nPOTENCE
with        user: +OK USER accepted, send PASS
with        quit: +OK
expect      vendor: Twisted Matrix Labs
expect      product: Twisted Mail
expect      version:
expect      host: localhost
expect      cpe: cpe:2.3:a:twistedmatrix:twisted:*:*:*:*:*:*:*:*
example     greeting: <20240117093015.812.3141592653.1@mail.example.net>
expect      host: mail.example.net
# qmail's and other two-part challenges
counterexample greeting: <2816.1700000123@pop.example.net>
counterexample greeting: ready <20261204055705.30553.509700602.4@localhost>
counterexample greeting: <2026120405570.30553.509700602.4@localhost>

# Twisted's CAPA lists three words no other server sends, CELERITY, AUSPEX and POTENCE (a joke in
# the library's code, after TOP USER UIDL PIPELINE). Not a capability-order heuristic (band 50,
# guess): the words themselves are the evidence, as an error text would be, so band 60 (likely)
# for a server built on Twisted that greets otherwise.
rule twisted-capa
priority    60
vendor      Twisted Matrix Labs
product     Twisted Mail
cpe         cpe:2.3:a:twistedmatrix:twisted:{version}:*:*:*:*:*:*:*
capa        ^CELERITY$
capa        ^AUSPEX$
capa        ^POTENCE$
example     greeting: POP3 server ready
with        capa: TOP\nUSER\nUIDL\nPIPELINE\nCELERITY\nAUSPEX\nPOTENCE
expect      product: Twisted Mail
expect      host:
example     greeting: ready
with        capa: TOP\nUSER\nUIDL\nPIPELINE\nCELERITY\nAUSPEX\nPOTENCE\nIMPLEMENTATION Example Mail Service
counterexample greeting: POP3 server ready
with        capa: TOP\nUSER\nUIDL\nPIPELINING
counterexample greeting: POP3 server ready
with        capa: TOP\nUSER\nUIDL\nCELERITY

# USER's reply, "+OK USER accepted, send PASS", is Twisted's own wording.
rule twisted-user
priority    60
vendor      Twisted Matrix Labs
product     Twisted Mail
cpe         cpe:2.3:a:twistedmatrix:twisted:{version}:*:*:*:*:*:*:*
user        ^\+OK USER accepted, send PASS$
example     greeting: POP3 server ready
with        user: +OK USER accepted, send PASS
expect      product: Twisted Mail
counterexample greeting: POP3 server ready
with        user: +OK User accepted, send password
counterexample user: +OK USER accepted
