# appliances.fp — mail appliances and security gateways that answer POP3 themselves or proxy it:
# Mirapoint, FortiMail, Sophos UTM (formerly Astaro), WatchGuard Firebox. Gateways often pass the
# server's greeting through, so their own certificate is sometimes the only thing they show.
# Format, bands and idioms: fingerprints/README.md and the head of unix.fp.

rule mirapoint
vendor      Mirapoint
product     Mirapoint Message Server
greeting    (?i)(?<![\w.-])Mirapoint(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*[\w.-]*))?
example     greeting: mail.example.com Mirapoint POP3 server ready
example     greeting: POP3 pop.example.edu Mirapoint 3.8.2-GA server ready
expect      version: 3.8.2-GA
example     greeting: POP3 mail.example.com Mirapoint 4.1.9-GA server ready <1.2@mail.example.com>
expect      version: 4.1.9-GA
counterexample greeting: mirapoint.example.edu POP3 server ready

rule fortimail
vendor      Fortinet
product     FortiMail
greeting    (?i)(?<![\w.-])FortiMail(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: FortiMail POP3 server ready
example     greeting: mail.example.com FortiMail v7.2.4 POP3 ready
expect      version: 7.2.4
counterexample greeting: fortimail.example.com POP3 ready

# FortiMail's factory certificate: Fortinet as organisation, FortiMail as unit, the serial number
# as common name.
rule fortimail-cert
priority    80
vendor      Fortinet
product     FortiMail
cert        (?:^|,)\s*OU=FortiMail(?:,|$)
example     greeting: POP3 server ready
with        cert: CN=FEVM020000000001,OU=FortiMail,O=Fortinet,L=Sunnyvale,ST=California,C=US, CN=FEVM020000000001,OU=FortiMail,O=Fortinet,L=Sunnyvale,ST=California,C=US
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com,OU=FortiMail users,O=Example
counterexample greeting: POP3 server ready
with        cert: CN=FGT60E0000000001,OU=FortiGate,O=Fortinet

rule sophos-utm
vendor      Sophos
product     Sophos UTM
greeting    (?i)(?<![\w.-])(?:Sophos UTM|Astaro(?: Security Gateway)?)(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: Sophos UTM POP3 proxy ready
example     greeting: Astaro Security Gateway 8.3 POP3 proxy
expect      version: 8.3
counterexample greeting: sophos.example.com POP3 ready
counterexample greeting: Sophos Email Appliance POP3 ready

rule watchguard
vendor      WatchGuard
product     Firebox
greeting    (?i)(?<![\w.-])(?:WatchGuard(?: Firebox)?|Firebox)(?![\w-]|\.\w)(?:[^<]{0,20}?(?<![\w.])[Vv]?(?<version>\d+\.\d+(?:\.\d+)*))?
example     greeting: WatchGuard POP3 proxy ready
example     greeting: Firebox POP3 proxy 12.8 ready
expect      version: 12.8
counterexample greeting: watchguard.example.com POP3 ready

# The Firebox's POP3-proxy content inspection re-signs TLS with its own authority, issued by
# WatchGuard ("O=WatchGuard_Technologies, OU=Fireware").
rule watchguard-cert
priority    80
vendor      WatchGuard
product     Firebox
cert        (?:^|,)\s*O=WatchGuard[_ ]Technologies(?:,|$)
example     greeting: POP3 server ready
with        cert: CN=mail.example.com, CN=Fireware POP3 Proxy CA,OU=Fireware,O=WatchGuard_Technologies,C=US
counterexample greeting: POP3 server ready
with        cert: CN=watchguard.example.com,O=Example Inc
