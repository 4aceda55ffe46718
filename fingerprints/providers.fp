# providers.fp — mail services on the internet (webmail providers, ISPs, hosted mail). A provider
# shows itself in three ways, from strongest to weakest:
#   - its own greeting form (Gmail's "Gpop ready for requests from", Yahoo's "popgate", Yandex's
#     "POP Ya!", QQ's XMail banner, NetEase's Coremail banner): certain, priority 100 or 200;
#   - the certificate only the operator holds (CN under its own domain): certain, priority 150;
#   - a host name under the operator's domain in the greeting or APOP timestamp
#     ("<…@pop.free.fr>"), or the operator's name in a greeting: likely, priority 80 — a server
#     of the provider's customer never carries the provider's domain, but a greeting is text
#     anyone can write. Domains are matched without case ("Sohu.com"); the prefilter keeps
#     these patterns from running unless the domain is there (bench/fpcost.c).
# Customers' own servers hosted by a provider (a VPS under the provider's domain) are not the
# provider's mail service: those domains (kundenserver.de, ip-….secureserver.net) are left out.
# Format, bands and idioms: fingerprints/README.md and the head of unix.fp.

# ===========================================================================================
# Google, Microsoft consumer mail is in windows.fp (Outlook.com)
# ===========================================================================================

rule gmail
vendor      Google
product     Gmail
greeting    ^Gpop ready for requests from \S+ \S+\s*$
example     greeting: Gpop ready for requests from 198.51.100.7 d9mb41234567pjx
example     greeting: Gpop ready for requests from 2001:db8::15 a5mb0123456789abc
counterexample greeting: WDPop ready for requests from 198.51.100.7 3Jk2LmNoPq

rule gmail-cert
priority    150
vendor      Google
product     Gmail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:gmail|googlemail)\.com(?![\w.-])
example     greeting: ready
with        cert: CN=pop.gmail.com, CN=GTS CA 1C3
example     greeting: ready
with        cert: CN=pop.googlemail.com,O=Google LLC,C=US, CN=GTS CA 1C3,O=Google Trust Services LLC,C=US
counterexample greeting: ready
with        cert: CN=pop.gmail.com.example.net

# Gmail's own capability (X-GOOGLE-RICO) and its replies: USER "send PASS", QUIT "Farewell.".
rule gmail-capa
priority    70
vendor      Google
product     Gmail
capa        ^X-GOOGLE-RICO$
example     greeting: POP3 server ready
with        capa: USER\nRESP-CODES\nEXPIRE 0\nLOGIN-DELAY 300\nTOP\nUIDL\nX-GOOGLE-RICO\nSASL PLAIN XOAUTH2 OAUTHBEARER
counterexample capa: USER\nRESP-CODES\nTOP\nUIDL\nSASL PLAIN XOAUTH2 OAUTHBEARER

rule gmail-user
priority    60
vendor      Google
product     Gmail
user        ^\+OK send PASS\s*$
example     greeting: POP3 server ready
with        user: +OK send PASS
counterexample user: +OK please send the PASS
counterexample user: +OK Send your password

rule gmail-quit
priority    60
vendor      Google
product     Gmail
quit        ^\+OK Farewell\.\s*$
example     greeting: POP3 server ready
with        quit: +OK Farewell.
counterexample quit: +OK Farewell, see you

# ===========================================================================================
# Yahoo and AOL (one platform: Yahoo's "popgate")
# ===========================================================================================

rule yahoo
vendor      Yahoo
product     Yahoo Mail
greeting    ^hello from popgate[-(](?<version>\d+(?:\.\d+)+)\)?(?: (?<host>\S+))?\s*$
example     greeting: hello from popgate-0.8.0.504347 pop013.mail.ir2.yahoo.com
expect      version: 0.8.0.504347
expect      host: pop013.mail.ir2.yahoo.com
example     greeting: hello from popgate(2.35.10)
expect      version: 2.35.10
counterexample greeting: hello from pop.example.com

rule yahoo-cert
priority    150
vendor      Yahoo
product     Yahoo Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*yahoo\.(?:com|co\.jp|co\.uk|fr|de|es|it|com\.br|co\.in)(?![\w.-])
example     greeting: ready
with        cert: CN=*.pop.mail.yahoo.com
counterexample greeting: ready
with        cert: CN=yahoo.com.example.net

rule aol
priority    150
vendor      AOL
product     AOL Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*aol\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=pop.aol.com
counterexample greeting: ready
with        cert: CN=mail.myaol.com

# AOL's POP3 runs on Yahoo's popgate: with AOL's certificate the greeting is AOL's, not Yahoo's.
rule aol-popgate
priority    200
vendor      AOL
product     AOL Mail
greeting    ^hello from popgate\b
cert        \bCN\s*=\s*(?:[\w*-]+\.)*aol\.com(?![\w.-])
example     greeting: hello from popgate-0.8.0.504347 pop.aol.mail.gq1.yahoo.com
with        cert: CN=pop.aol.com
counterexample greeting: hello from popgate-0.8.0.504347 pop013.mail.ir2.yahoo.com
with        cert: CN=*.pop.mail.yahoo.com

# ===========================================================================================
# Other international providers with their own greeting
# ===========================================================================================

rule zoho
vendor      Zoho
product     Zoho Mail
greeting    (?<![\w.-])(?:Zoho|ZOHO)(?![\w-]|\.\w)
example     greeting: Zoho Mail POP3 Server Ready
example     greeting: ZOHO POP Server Ready
counterexample greeting: zoho.example.com ready

rule zoho-cert
priority    150
vendor      Zoho
product     Zoho Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*zoho(?:mail)?\.(?:com|eu|in|com\.au|jp|com\.cn|sa|ca)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.zoho.eu
counterexample greeting: POP3 server ready
with        cert: CN=zoho.example.com

rule fastmail
priority    200
vendor      Fastmail
product     Fastmail
greeting    (?i)(?<![\w.-])fastmail(?![\w-]|\.\w)
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

rule fastmail-host
priority    80
confidence  likely
vendor      Fastmail
product     Fastmail
greeting    (?i:(?<![\w-])(?:fastmail\.(?:com|fm)|messagingengine\.com)(?![\w-]|\.\w))
example     greeting: pop.fastmail.com POP3 ready
counterexample greeting: pop.fastmail.com.example.net POP3 ready

rule mailru-cert
priority    150
vendor      VK
product     Mail.ru
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:mail\.ru|inbox\.ru|list\.ru|bk\.ru)(?![\w.-])
example     greeting: ready
with        cert: CN=*.mail.ru, CN=GlobalSign GCC R3 DV TLS CA 2020
counterexample greeting: ready
with        cert: CN=mail.ru.example.com

rule mailru-host
priority    80
confidence  likely
vendor      VK
product     Mail.ru
greeting    (?i:(?<![\w-])mail\.ru(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.mail.ru>
counterexample greeting: POP3 server ready <1.2@pop.email.ru>
counterexample greeting: POP3 server ready <1.2@mail.ru.example.com>

rule yandex
vendor      Yandex
product     Yandex Mail
greeting    ^POP Ya!(?:\s|$)
example     greeting: POP Ya! na@6 LkNqkcOq84Y1
example     greeting: POP Ya! v1.0 na@12 9hJk3LmN0pQr
counterexample greeting: POP Yandex ready

rule yandex-cert
priority    150
vendor      Yandex
product     Yandex Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:yandex\.(?:ru|net|com|com\.tr|by|kz|ua)|ya\.ru)(?![\w.-])
example     greeting: ready
with        cert: CN=pop.yandex.ru
counterexample greeting: ready
with        cert: CN=yandex.ru.example.org

rule yandex-user
priority    60
vendor      Yandex
product     Yandex Mail
user        ^\+OK password, please\.\s*$
example     greeting: POP3 server ready
with        user: +OK password, please.
counterexample user: +OK password required.

# United Internet (GMX, WEB.DE): "POP server ready H <backend> <session>", the backend named
# after the brand (migmx…, mrweb…).
rule gmx-greeting
priority    80
confidence  likely
vendor      GMX
product     GMX Mail
greeting    ^POP server ready H m[ir]gmx\d+\b
example     greeting: POP server ready H migmx105 0Ma3Qx-1abcDE
counterexample greeting: POP server ready H mrweb004 0LdOqP-1xyzAB

rule gmx-cert
priority    150
vendor      GMX
product     GMX Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*gmx\.(?:net|com|de|at|ch|co\.uk|fr|es)(?![\w.-])
example     greeting: POP server ready
with        cert: CN=pop.gmx.net
counterexample greeting: ready
with        cert: CN=gmx.net.example.org

rule webde-greeting
priority    80
confidence  likely
vendor      WEB.DE
product     WEB.DE Mail
greeting    ^POP server ready H m[ir]web\d+\b
example     greeting: POP server ready H mrweb004 0LdOqP-1xyzAB
counterexample greeting: POP server ready H migmx105 0Ma3Qx-1abcDE

rule webde-cert
priority    150
vendor      WEB.DE
product     WEB.DE Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*web\.de(?![\w.-])
example     greeting: POP server ready
with        cert: CN=pop3.web.de
counterexample greeting: ready
with        cert: CN=myweb.de

# ===========================================================================================
# China: NetEase and Tencent
# ===========================================================================================

# Coremail (NetEase's 163.com, 126.com, and many Chinese universities and companies).
rule netease
priority    200
vendor      NetEase
product     NetEase Mail
greeting    (?i)^Welcome to coremail Mail Pop3 Server \((?:163|126|yeah|188)coms\b
example     greeting: Welcome to coremail Mail Pop3 Server (163coms[b62aaa251425b4be4eaec4ab4744cf47s])
example     greeting: Welcome to coremail Mail Pop3 Server (126coms[10b4a4f3d4c2a1e6f0c1b5a4d3e2f1a0s])
counterexample greeting: Welcome to coremail Mail Pop3 Server (example.edu.cn[0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5es])

rule netease-cert
priority    150
vendor      NetEase
product     NetEase Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:163\.com|126\.com|yeah\.net|188\.com|netease\.com)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.163.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

# QQ Mail greets as "QQMail" or "XMail" (no relation to Davide Libenzi's XMail). The "XMail"
# form is also what Tencent's business mail (Exmail) sends, so on its own it is only a guess
# at QQ Mail; the certificate tells them apart (rules below). The numbers in the banner change
# between front-end builds.
rule qqmail
vendor      Tencent
product     QQ Mail
greeting    ^QQMail POP3 Server v\d+(?:\.\d+)* Service Ready(?:\(QQMail v\d+(?:\.\d+)*\))?\s*$
example     greeting: QQMail POP3 Server v1.0 Service Ready(QQMail v1.0)
example     greeting: QQMail POP3 Server v1.0 Service Ready(QQMail v2.0)
counterexample greeting: XMail POP3 Server v1.0 Service Ready(XMail v1.0)

rule qqmail-xmail
priority    50
confidence  guess
vendor      Tencent
product     QQ Mail
greeting    ^XMail POP3 Server v\d+(?:\.\d+)* Service Ready(?:\(XMail v\d+(?:\.\d+)*\))?\s*$
example     greeting: XMail POP3 Server v1.0 Service Ready(XMail v1.0)
counterexample greeting: <1.2@mail.example.org> [XMail 1.22 POP3 Server] service ready; Wed, 1 Feb 2006 10:00:00 +0100

rule qqmail-cert
priority    150
vendor      Tencent
product     QQ Mail
cert        \bCN\s*=\s*(?!(?:[\w*-]+\.)*exmail\.qq\.com)(?:[\w*-]+\.)*qq\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=pop.qq.com
counterexample greeting: POP3 server ready
with        cert: CN=*.exmail.qq.com

# Tencent's business mail (Exmail) runs the same front end under exmail.qq.com.
rule exmail
priority    200
vendor      Tencent
product     Tencent Exmail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*exmail\.qq\.com(?![\w.-])
example     greeting: XMail POP3 Server v1.0 Service Ready(XMail v1.0)
with        cert: CN=*.exmail.qq.com
counterexample greeting: XMail POP3 Server v1.0 Service Ready(XMail v1.0)
with        cert: CN=pop.qq.com

# ===========================================================================================
# The big providers' host names (and GMX's name) in a greeting or APOP timestamp: likely
# ===========================================================================================

rule gmail-host
priority    80
confidence  likely
vendor      Google
product     Gmail
greeting    (?i:(?<![\w-])(?:gmail|googlemail)\.com(?![\w-]|\.\w))
example     greeting: POP3 Server pop.gmail.com ready
counterexample greeting: POP3 server ready <1.2@pop.gmail.com.example.net>
counterexample greeting: POP3 server ready <1.2@notgmail.com>

rule yahoo-host
priority    80
confidence  likely
vendor      Yahoo
product     Yahoo Mail
greeting    (?i:(?<![\w-])yahoo\.(?:com|co\.jp|co\.uk|fr|de|es|it|com\.br|co\.in|net)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.mail.yahoo.com>
counterexample greeting: POP3 server ready <1.2@pop.yahoo.com.example.net>

rule aol-host
priority    80
confidence  likely
vendor      AOL
product     AOL Mail
greeting    (?i:(?<![\w-])aol\.com(?![\w-]|\.\w))
example     greeting: POP3 server pop.aol.com ready
counterexample greeting: POP3 server ready <1.2@myaol.com>

rule zoho-host
priority    80
confidence  likely
vendor      Zoho
product     Zoho Mail
greeting    (?i:(?<![\w-])zoho(?:mail)?\.(?:com|eu|in|com\.au|jp|com\.cn|sa|ca)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.zoho.com>
counterexample greeting: zoho.example.com ready

rule yandex-host
priority    80
confidence  likely
vendor      Yandex
product     Yandex Mail
greeting    (?i:(?<![\w-])(?:yandex\.(?:ru|net|com|com\.tr|by|kz|ua)|ya\.ru)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.yandex.ru>
counterexample greeting: POP3 server ready <1.2@yandex.ru.example.org>
counterexample greeting: POP3 server ready <1.2@okaya.ru>

rule gmx-host
priority    80
confidence  likely
vendor      GMX
product     GMX Mail
greeting    (?<![\w.-])GMX(?![\w-]|\.\w)|(?i:(?<![\w-])gmx\.(?:net|com|de|at|ch|co\.uk|fr|es)(?![\w-]|\.\w))
example     greeting: pop.gmx.net GMX POP3 StreamProxy ready
example     greeting: POP3 server ready <1.2@pop.gmx.com>
counterexample greeting: POP3 server ready <1.2@gmx.net.example.org>
counterexample greeting: gmx-relay POP3 ready

rule webde-host
priority    80
confidence  likely
vendor      WEB.DE
product     WEB.DE Mail
greeting    (?i:(?<![\w-])web\.de(?![\w-]|\.\w))
example     greeting: WEB.DE POP3 server ready
example     greeting: POP3 server ready <1.2@pop3.web.de>
counterexample greeting: POP3 server ready <1.2@myweb.de>

rule netease-host
priority    80
confidence  likely
vendor      NetEase
product     NetEase Mail
greeting    (?i:(?<![\w-])(?:163\.com|126\.com|188\.com|yeah\.net|netease\.com)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.163.com>
counterexample greeting: POP3 server ready <1.2@mail.x163.com>

rule qqmail-host
priority    80
confidence  likely
vendor      Tencent
product     QQ Mail
greeting    (?i:(?<!exmail\.)(?<![\w-])qq\.com(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.qq.com>
counterexample greeting: POP3 server ready <1.2@pop.exmail.qq.com>

rule exmail-host
priority    80
confidence  likely
vendor      Tencent
product     Tencent Exmail
greeting    (?i:(?<![\w-])exmail\.qq\.com(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.exmail.qq.com>
counterexample greeting: POP3 server ready <1.2@pop.qq.com>

rule outlook-com-host
priority    80
confidence  likely
vendor      Microsoft
product     Outlook.com
greeting    (?i:(?<![\w-])(?:hotmail\.com|live\.com)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop3.live.com>
counterexample greeting: POP3 server ready <1.2@mylive.com>

# ===========================================================================================
# Regional providers: the operator's certificate; its domain or name in the greeting
# ===========================================================================================

rule alibaba-cert
priority    150
vendor      Alibaba Cloud
product     Alibaba Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:aliyun\.com|mxhichina\.com|alimail\.com)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.aliyun.com,O=Alibaba (China) Technology Co.\\, Ltd.
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule alibaba-host
priority    80
confidence  likely
vendor      Alibaba Cloud
product     Alibaba Mail
greeting    (?<![\w.-])Ali(?:yun|Mail)(?![\w-]|\.\w)|(?i:(?<![\w-])(?:aliyun\.com|mxhichina\.com|alimail\.com)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.1700000000@pop3.aliyun.com>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.aliyun.com.example.com>
counterexample greeting: POP3 server ready <1.2@myaliyun.com>

rule aruba-cert
priority    150
vendor      Aruba
product     Aruba Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*aruba\.it(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.aruba.it
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule aruba-host
priority    80
confidence  likely
vendor      Aruba
product     Aruba Mail
greeting    (?i:(?<![\w-])aruba\.it(?![\w-]|\.\w))
example     greeting: POP3 server ready <4.1700000000@pop3s.aruba.it>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.aruba.it.example.com>
counterexample greeting: POP3 server ready <1.2@myaruba.it>

rule bt-cert
priority    150
vendor      BT
product     BT Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:btinternet\.com|btopenworld\.com)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=mail.btinternet.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule bt-host
priority    80
confidence  likely
vendor      BT
product     BT Mail
greeting    (?i:(?<![\w-])(?:btinternet\.com|btopenworld\.com)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@mail.btinternet.com>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.btinternet.com.example.com>
counterexample greeting: POP3 server ready <1.2@mybtinternet.com>

rule china-mobile-cert
priority    150
vendor      China Mobile
product     139 Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*139\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.139.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule china-mobile-host
priority    80
confidence  likely
vendor      China Mobile
product     139 Mail
greeting    (?<![\w.-])139 ?Mail(?![\w-]|\.\w)|(?i:(?<![\w-])139\.com(?![\w-]|\.\w))
example     greeting: Welcome to 139Mail POP3 Server
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.139.com.example.com>
counterexample greeting: POP3 server ready <1.2@my139.com>

rule china-telecom-cert
priority    150
vendor      China Telecom
product     189 Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*189\.cn(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.189.cn
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule china-telecom-host
priority    80
confidence  likely
vendor      China Telecom
product     189 Mail
greeting    (?<![\w.-])189 ?Mail(?![\w-]|\.\w)|(?i:(?<![\w-])189\.cn(?![\w-]|\.\w))
example     greeting: 189Mail POP3 Server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.189.cn.example.com>
counterexample greeting: POP3 server ready <1.2@my189.cn>

rule comcast-cert
priority    150
vendor      Comcast
product     Xfinity Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:comcast\.net|xfinity\.com)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.comcast.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule comcast-host
priority    80
confidence  likely
vendor      Comcast
product     Xfinity Mail
greeting    (?<![\w.-])(?:Comcast|Xfinity)(?![\w-]|\.\w)|(?i:(?<![\w-])(?:comcast\.net|xfinity\.com)(?![\w-]|\.\w))
example     greeting: POP3 server ready <8.1700000000@pop3.comcast.net>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.comcast.net.example.com>
counterexample greeting: POP3 server ready <1.2@mycomcast.net>

rule mailfence-cert
priority    150
vendor      ContactOffice
product     Mailfence
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:mailfence\.com|contactoffice\.(?:com|net))(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.mailfence.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule mailfence-host
priority    80
confidence  likely
vendor      ContactOffice
product     Mailfence
greeting    (?<![\w.-])(?:Mailfence|ContactOffice)(?![\w-]|\.\w)|(?i:(?<![\w-])(?:mailfence\.com|contactoffice\.(?:com|net))(?![\w-]|\.\w))
example     greeting: ContactOffice POP3 server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.mailfence.com.example.com>
counterexample greeting: POP3 server ready <1.2@mymailfence.com>

rule cox-cert
priority    150
vendor      Cox
product     Cox Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*cox\.net(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=pop.cox.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule cox-host
priority    80
confidence  likely
vendor      Cox
product     Cox Mail
greeting    (?i:(?<![\w-])cox\.net(?![\w-]|\.\w))
example     greeting: POP3 server ready <3.1700000000@pop.cox.net>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.cox.net.example.com>
counterexample greeting: POP3 server ready <1.2@mycox.net>

rule t-online-cert
priority    150
vendor      Deutsche Telekom
product     T-Online Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*t-online\.de(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=securepop.t-online.de
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule t-online-host
priority    80
confidence  likely
vendor      Deutsche Telekom
product     T-Online Mail
greeting    (?<![\w.-])T-Online(?![\w-]|\.\w)|(?i:(?<![\w-])t-online\.de(?![\w-]|\.\w))
example     greeting: T-Online POP3 Server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.t-online.de.example.com>
counterexample greeting: POP3 server ready <1.2@myt-online.de>

rule earthlink-cert
priority    150
vendor      EarthLink
product     EarthLink Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:earthlink\.net|mindspring\.com)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.earthlink.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule earthlink-host
priority    80
confidence  likely
vendor      EarthLink
product     EarthLink Mail
greeting    (?<![\w.-])EarthLink(?![\w-]|\.\w)|(?i:(?<![\w-])(?:earthlink\.net|mindspring\.com)(?![\w-]|\.\w))
example     greeting: POP3 server ready <7.1700000000@pop.earthlink.net>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.earthlink.net.example.com>
counterexample greeting: POP3 server ready <1.2@myearthlink.net>

rule forwardemail-cert
priority    150
vendor      Forward Email
product     Forward Email
cert        \bCN\s*=\s*(?:[\w*-]+\.)*forwardemail\.net(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.forwardemail.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule forwardemail-host
priority    80
confidence  likely
vendor      Forward Email
product     Forward Email
greeting    (?<![\w.-])Forward ?Email(?![\w-]|\.\w)|(?i:(?<![\w-])forwardemail\.net(?![\w-]|\.\w))
example     greeting: Forward Email POP3 server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.forwardemail.net.example.com>
counterexample greeting: POP3 server ready <1.2@myforwardemail.net>

rule free-cert
priority    150
vendor      Free
product     Free Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*free\.fr(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.free.fr
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule free-host
priority    80
confidence  likely
vendor      Free
product     Free Mail
greeting    (?i:(?<![\w-])free\.fr(?![\w-]|\.\w))
example     greeting: POP3 ready <10230.1700000000@pop.free.fr>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.free.fr.example.com>
counterexample greeting: POP3 server ready <1.2@myfree.fr>

rule freenet-cert
priority    150
vendor      freenet
product     freenet Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*freenet\.de(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.freenet.de
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule freenet-host
priority    80
confidence  likely
vendor      freenet
product     freenet Mail
greeting    (?i:(?<![\w-])freenet\.de(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@mx.freenet.de>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.freenet.de.example.com>
counterexample greeting: POP3 server ready <1.2@myfreenet.de>

rule godaddy-cert
priority    150
vendor      GoDaddy
product     Workspace Email
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:(?:pop|pop3|imap|\*)\.(?:(?:europe|asia)\.)?secureserver\.net)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=pop.secureserver.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule godaddy-host
priority    80
confidence  likely
vendor      GoDaddy
product     Workspace Email
greeting    (?i:(?<![\w-])(?:(?:pop|pop3|imap|\*)\.(?:(?:europe|asia)\.)?secureserver\.net)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.secureserver.net>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.secureserver.net.example.com>
counterexample greeting: POP3 server ready <1.2@mysecureserver.net>

rule interia-cert
priority    150
vendor      Interia
product     Poczta Interia
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:interia\.pl|interia\.eu)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.interia.pl
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule interia-host
priority    80
confidence  likely
vendor      Interia
product     Poczta Interia
greeting    (?<![\w.-])Interia(?![\w-]|\.\w)|(?i:(?<![\w-])(?:interia\.pl|interia\.eu)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@poczta.interia.pl>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.interia.pl.example.com>
counterexample greeting: POP3 server ready <1.2@myinteria.pl>

rule ionos-cert
priority    150
vendor      IONOS
product     IONOS Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:ionos\.(?:de|com|co\.uk|es|fr|it|mx|ca|at)|1und1\.de|1and1\.(?:com|co\.uk))(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=pop.ionos.de
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule ionos-host
priority    80
confidence  likely
vendor      IONOS
product     IONOS Mail
greeting    (?<![\w.-])IONOS(?![\w-]|\.\w)|(?i:(?<![\w-])(?:ionos\.(?:de|com|co\.uk|es|fr|it|mx|ca|at)|1und1\.de|1and1\.(?:com|co\.uk))(?![\w-]|\.\w))
example     greeting: POP server ready <1.2@pop.ionos.de>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.ionos.de.example.com>
counterexample greeting: POP3 server ready <1.2@myionos.de>

rule libero-cert
priority    150
vendor      Italiaonline
product     Libero Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*libero\.it(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.libero.it
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule libero-host
priority    80
confidence  likely
vendor      Italiaonline
product     Libero Mail
greeting    (?<![\w.-])Libero(?![\w-]|\.\w)|(?i:(?<![\w-])libero\.it(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@popmail.libero.it>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.libero.it.example.com>
counterexample greeting: POP3 server ready <1.2@mylibero.it>

rule virgilio-cert
priority    150
vendor      Italiaonline
product     Virgilio Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*virgilio\.it(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.virgilio.it
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule virgilio-host
priority    80
confidence  likely
vendor      Italiaonline
product     Virgilio Mail
greeting    (?<![\w.-])Virgilio(?![\w-]|\.\w)|(?i:(?<![\w-])virgilio\.it(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@in.virgilio.it>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.virgilio.it.example.com>
counterexample greeting: POP3 server ready <1.2@myvirgilio.it>

rule daum-cert
priority    150
vendor      Kakao
product     Daum Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:daum\.net|hanmail\.net)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.daum.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule daum-host
priority    80
confidence  likely
vendor      Kakao
product     Daum Mail
greeting    (?<![\w.-])(?:Daum|Hanmail)(?![\w-]|\.\w)|(?i:(?<![\w-])(?:daum\.net|hanmail\.net)(?![\w-]|\.\w))
example     greeting: Daum POP3 server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.daum.net.example.com>
counterexample greeting: POP3 server ready <1.2@mydaum.net>

rule kpn-cert
priority    150
vendor      KPN
product     KPN Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:kpnmail\.nl|planet\.nl)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.kpnmail.nl
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule kpn-host
priority    80
confidence  likely
vendor      KPN
product     KPN Mail
greeting    (?<![\w.-])KPN(?![\w-]|\.\w)|(?i:(?<![\w-])(?:kpnmail\.nl|planet\.nl)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.kpnmail.nl>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.kpnmail.nl.example.com>
counterexample greeting: POP3 server ready <1.2@mykpnmail.nl>

rule laposte-cert
priority    150
vendor      La Poste
product     Laposte.net
cert        \bCN\s*=\s*(?:[\w*-]+\.)*laposte\.net(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.laposte.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule laposte-host
priority    80
confidence  likely
vendor      La Poste
product     Laposte.net
greeting    (?i:(?<![\w-])laposte\.net(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.laposte.net>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.laposte.net.example.com>
counterexample greeting: POP3 server ready <1.2@mylaposte.net>

rule naver-cert
priority    150
vendor      Naver
product     Naver Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*naver\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.naver.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule naver-host
priority    80
confidence  likely
vendor      Naver
product     Naver Mail
greeting    (?<![\w.-])Naver(?![\w-]|\.\w)|(?i:(?<![\w-])naver\.com(?![\w-]|\.\w))
example     greeting: Naver POP3 server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.naver.com.example.com>
counterexample greeting: POP3 server ready <1.2@mynaver.com>

rule ethereal-cert
priority    150
vendor      Nodemailer
product     Ethereal Email
cert        \bCN\s*=\s*(?:[\w*-]+\.)*ethereal\.email(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=ethereal.email
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule ethereal-host
priority    80
confidence  likely
vendor      Nodemailer
product     Ethereal Email
greeting    (?<![\w.-])Ethereal Email(?![\w-]|\.\w)|(?i:(?<![\w-])ethereal\.email(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@ethereal.email>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.ethereal.email.example.com>
counterexample greeting: POP3 server ready <1.2@myethereal.email>

rule onet-cert
priority    150
vendor      Onet
product     Poczta Onet
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:onet\.pl|onet\.eu|op\.pl)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.poczta.onet.pl
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule onet-host
priority    80
confidence  likely
vendor      Onet
product     Poczta Onet
greeting    (?<![\w.-])Onet(?![\w-]|\.\w)|(?i:(?<![\w-])(?:onet\.pl|onet\.eu|op\.pl)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop3.poczta.onet.pl>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.onet.pl.example.com>
counterexample greeting: POP3 server ready <1.2@myonet.pl>

rule orange-cert
priority    150
vendor      Orange
product     Orange Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:orange\.fr|wanadoo\.fr)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.orange.fr
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule orange-host
priority    80
confidence  likely
vendor      Orange
product     Orange Mail
greeting    (?i:(?<![\w-])(?:orange\.fr|wanadoo\.fr)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.orange.fr>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.orange.fr.example.com>
counterexample greeting: POP3 server ready <1.2@myorange.fr>

rule rackspace-cert
priority    150
vendor      Rackspace
product     Rackspace Email
cert        \bCN\s*=\s*(?:[\w*-]+\.)*emailsrvr\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.emailsrvr.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule rackspace-host
priority    80
confidence  likely
vendor      Rackspace
product     Rackspace Email
greeting    (?<![\w.-])Rackspace(?![\w-]|\.\w)|(?i:(?<![\w-])emailsrvr\.com(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@secure.emailsrvr.com>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.emailsrvr.com.example.com>
counterexample greeting: POP3 server ready <1.2@myemailsrvr.com>

rule mailtrap-cert
priority    150
vendor      Railsware
product     Mailtrap
cert        \bCN\s*=\s*(?:[\w*-]+\.)*mailtrap\.io(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.mailtrap.io
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule mailtrap-host
priority    80
confidence  likely
vendor      Railsware
product     Mailtrap
greeting    (?<![\w.-])Mailtrap(?![\w-]|\.\w)|(?i:(?<![\w-])mailtrap\.io(?![\w-]|\.\w))
example     greeting: Mailtrap POP3 server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.mailtrap.io.example.com>
counterexample greeting: POP3 server ready <1.2@mymailtrap.io>

rule rambler-cert
priority    150
vendor      Rambler
product     Rambler Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:rambler\.ru|ro\.ru|lenta\.ru|autorambler\.ru)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.rambler.ru
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule rambler-host
priority    80
confidence  likely
vendor      Rambler
product     Rambler Mail
greeting    (?<![\w.-])Rambler(?![\w-]|\.\w)|(?i:(?<![\w-])(?:rambler\.ru|ro\.ru|lenta\.ru|autorambler\.ru)(?![\w-]|\.\w))
example     greeting: POP3 Rambler Mail ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.rambler.ru.example.com>
counterexample greeting: POP3 server ready <1.2@myrambler.ru>

rule rediff-cert
priority    150
vendor      Rediff
product     Rediffmail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*rediffmail\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.rediffmail.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule rediff-host
priority    80
confidence  likely
vendor      Rediff
product     Rediffmail
greeting    (?<![\w.-])Rediff(?:mail)?(?![\w-]|\.\w)|(?i:(?<![\w-])rediffmail\.com(?![\w-]|\.\w))
example     greeting: Rediffmail POP3 server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.rediffmail.com.example.com>
counterexample greeting: POP3 server ready <1.2@myrediffmail.com>

rule seznam-cert
priority    150
vendor      Seznam.cz
product     Seznam Email
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:seznam\.cz|email\.cz)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.seznam.cz
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule seznam-host
priority    80
confidence  likely
vendor      Seznam.cz
product     Seznam Email
greeting    (?<![\w.-])Seznam(?![\w-]|\.\w)|(?i:(?<![\w-])(?:seznam\.cz|email\.cz)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop3.seznam.cz>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.seznam.cz.example.com>
counterexample greeting: POP3 server ready <1.2@myseznam.cz>

rule sfr-cert
priority    150
vendor      SFR
product     SFR Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:sfr\.fr|neuf\.fr)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.sfr.fr
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule sfr-host
priority    80
confidence  likely
vendor      SFR
product     SFR Mail
greeting    (?i:(?<![\w-])(?:sfr\.fr|neuf\.fr)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.sfr.fr>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.sfr.fr.example.com>
counterexample greeting: POP3 server ready <1.2@mysfr.fr>

rule sina-cert
priority    150
vendor      Sina
product     Sina Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:sina\.com(?:\.cn)?|sina\.cn)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.sina.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule sina-host
priority    80
confidence  likely
vendor      Sina
product     Sina Mail
greeting    (?<![\w.-])Sina ?Mail(?![\w-]|\.\w)|(?i:(?<![\w-])(?:sina\.com(?:\.cn)?|sina\.cn)(?![\w-]|\.\w))
example     greeting: Welcome to Sina Mail POP3 Server
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.sina.com.example.com>
counterexample greeting: POP3 server ready <1.2@mysina.com>

rule nate-cert
priority    150
vendor      SK Communications
product     Nate Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*nate\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.nate.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule nate-host
priority    80
confidence  likely
vendor      SK Communications
product     Nate Mail
greeting    (?<![\w.-])Nate ?Mail(?![\w-]|\.\w)|(?i:(?<![\w-])nate\.com(?![\w-]|\.\w))
example     greeting: Nate Mail POP3 server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.nate.com.example.com>
counterexample greeting: POP3 server ready <1.2@mynate.com>

rule sohu-cert
priority    150
vendor      Sohu
product     Sohu Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*sohu\.com(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.sohu.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule sohu-host
priority    80
confidence  likely
vendor      Sohu
product     Sohu Mail
greeting    (?<![\w.-])Sohu(?![\w-]|\.\w)|(?i:(?<![\w-])sohu\.com(?![\w-]|\.\w))
example     greeting: Sohu POP3 Server ready
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.sohu.com.example.com>
counterexample greeting: POP3 server ready <1.2@mysohu.com>

rule strato-cert
priority    150
vendor      STRATO
product     STRATO Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*strato\.(?:de|com|nl|es|fr|it)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.strato.de
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule strato-host
priority    80
confidence  likely
vendor      STRATO
product     STRATO Mail
greeting    (?<![\w.-])(?:STRATO|Strato)(?![\w-]|\.\w)|(?i:(?<![\w-])strato\.(?:de|com|nl|es|fr|it)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop3.strato.de>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.strato.de.example.com>
counterexample greeting: POP3 server ready <1.2@mystrato.de>

rule bluewin-cert
priority    150
vendor      Swisscom
product     Bluewin Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:bluewin\.ch|swisscom\.ch)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.bluewin.ch
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule bluewin-host
priority    80
confidence  likely
vendor      Swisscom
product     Bluewin Mail
greeting    (?<![\w.-])Bluewin(?![\w-]|\.\w)|(?i:(?<![\w-])(?:bluewin\.ch|swisscom\.ch)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop3.bluewin.ch>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.bluewin.ch.example.com>
counterexample greeting: POP3 server ready <1.2@mybluewin.ch>

rule bigpond-cert
priority    150
vendor      Telstra
product     BigPond Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:bigpond\.com|bigpond\.net\.au|telstra\.com)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.bigpond.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule bigpond-host
priority    80
confidence  likely
vendor      Telstra
product     BigPond Mail
greeting    (?<![\w.-])BigPond(?![\w-]|\.\w)|(?i:(?<![\w-])(?:bigpond\.com|bigpond\.net\.au|telstra\.com)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@mail.bigpond.com>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.bigpond.com.example.com>
counterexample greeting: POP3 server ready <1.2@mybigpond.com>

rule terra-cert
priority    150
vendor      Terra
product     Terra Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*terra\.(?:com(?:\.br|\.mx|\.ar)?|es|cl|pe)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.terra.com.br
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule terra-host
priority    80
confidence  likely
vendor      Terra
product     Terra Mail
greeting    (?i:(?<![\w-])terra\.(?:com(?:\.br|\.mx|\.ar)?|es|cl|pe)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.terra.com.br>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.terra.com.br.example.com>
counterexample greeting: POP3 server ready <1.2@myterra.com.br>

rule tiscali-cert
priority    150
vendor      Tiscali
product     Tiscali Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*tiscali\.(?:it|co\.uk|cz)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.tiscali.it
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule tiscali-host
priority    80
confidence  likely
vendor      Tiscali
product     Tiscali Mail
greeting    (?<![\w.-])Tiscali(?![\w-]|\.\w)|(?i:(?<![\w-])tiscali\.(?:it|co\.uk|cz)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.tiscali.it>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.tiscali.it.example.com>
counterexample greeting: POP3 server ready <1.2@mytiscali.it>

rule ukrnet-cert
priority    150
vendor      UKR.NET
product     FREEMAIL
cert        \bCN\s*=\s*(?:[\w*-]+\.)*ukr\.net(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.ukr.net
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule ukrnet-host
priority    80
confidence  likely
vendor      UKR.NET
product     FREEMAIL
greeting    (?<![\w.-])UKR\.NET(?![\w-]|\.\w)|(?i:(?<![\w-])ukr\.net(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop3.ukr.net>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.ukr.net.example.com>
counterexample greeting: POP3 server ready <1.2@myukr.net>

rule uol-cert
priority    150
vendor      UOL
product     UOL Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:uol\.com\.br|bol\.com\.br)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.uol.com.br
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule uol-host
priority    80
confidence  likely
vendor      UOL
product     UOL Mail
greeting    (?<![\w.-])UOL(?![\w-]|\.\w)|(?i:(?<![\w-])(?:uol\.com\.br|bol\.com\.br)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.uol.com.br>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.uol.com.br.example.com>
counterexample greeting: POP3 server ready <1.2@myuol.com.br>

rule virginmedia-cert
priority    150
vendor      Virgin Media
product     Virgin Media Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:virginmedia\.com|blueyonder\.co\.uk|ntlworld\.com|virgin\.net)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.virginmedia.com
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule virginmedia-host
priority    80
confidence  likely
vendor      Virgin Media
product     Virgin Media Mail
greeting    (?<![\w.-])Virgin ?Media(?![\w-]|\.\w)|(?i:(?<![\w-])(?:virginmedia\.com|blueyonder\.co\.uk|ntlworld\.com|virgin\.net)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.virginmedia.com>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.virginmedia.com.example.com>
counterexample greeting: POP3 server ready <1.2@myvirginmedia.com>

rule wp-cert
priority    150
vendor      Wirtualna Polska
product     WP Poczta
cert        \bCN\s*=\s*(?:[\w*-]+\.)*(?:wp\.pl|o2\.pl)(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.wp.pl
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule wp-host
priority    80
confidence  likely
vendor      Wirtualna Polska
product     WP Poczta
greeting    (?<![\w.-])WP Poczta(?![\w-]|\.\w)|(?i:(?<![\w-])(?:wp\.pl|o2\.pl)(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop3.wp.pl>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.wp.pl.example.com>
counterexample greeting: POP3 server ready <1.2@mywp.pl>

rule ziggo-cert
priority    150
vendor      Ziggo
product     Ziggo Mail
cert        \bCN\s*=\s*(?:[\w*-]+\.)*ziggo\.nl(?![\w.-])
example     greeting: POP3 server ready
with        cert: CN=*.ziggo.nl
counterexample greeting: POP3 server ready
with        cert: CN=mail.example.com

rule ziggo-host
priority    80
confidence  likely
vendor      Ziggo
product     Ziggo Mail
greeting    (?<![\w.-])Ziggo(?![\w-]|\.\w)|(?i:(?<![\w-])ziggo\.nl(?![\w-]|\.\w))
example     greeting: POP3 server ready <1.2@pop.ziggo.nl>
counterexample greeting: POP3 server ready <1.2@mail.example.com>
counterexample greeting: POP3 server ready <1.2@pop.ziggo.nl.example.com>
counterexample greeting: POP3 server ready <1.2@myziggo.nl>
