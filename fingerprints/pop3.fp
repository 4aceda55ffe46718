# pop3.fp — the rules for the four servers the test suite runs from Debian packages that another
# piece of work owns (GNU Mailutils, Solid POP3, Perdition; Twisted): they move to debian.fp.
# Every other rule lives in a file of its category: unix.fp, windows.fp, groupware.fp,
# proxies.fp, appliances.fp, legacy.fp, providers.fp. Format, priority bands and idioms:
# fingerprints/README.md and the head of unix.fp.

rule mailutils
vendor      GNU
product     Mailutils
cpe         cpe:2.3:a:gnu:mailutils:{version}:*:*:*:*:*:*:*
implementation ^GNU Mailutils(?: (?<version>\d+(?:\.\d+)+))?
example     greeting: POP3 Ready <12345.1700000000@mail.example.org>
with        implementation: GNU Mailutils 3.15
expect      version: 3.15
expect      cpe: cpe:2.3:a:gnu:mailutils:3.15:*:*:*:*:*:*:*
example     greeting: POP3 Ready <1.2@host>
with        implementation: GNU Mailutils 2.2

rule solid-pop3d
vendor      Solid POP3
product     Solid POP3
greeting    ^Solid POP3 server ready\b
example     greeting: Solid POP3 server ready <12345.1700000000@mail.example.com>

rule perdition
vendor      Perdition
product     Perdition POP3 proxy
greeting    ^POP3 perdition ready on (?<host>\S+)(?: \S+)?$
example     greeting: POP3 perdition ready on pop.example.com 0003a1b2
expect      host: pop.example.com

