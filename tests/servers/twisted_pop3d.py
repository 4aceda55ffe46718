"""A POP3 server built on Twisted's twisted.mail.pop3.POP3 (Debian's python3-twisted), started by
tests/servers/twisted.sh: the smallest deployment of the library a site would write, with
Twisted's own protocol code answering every command.

  /usr/bin/python3 twisted_pop3d.py PORT TLS-PORT|- CERT KEY

Listens on 127.0.0.1:PORT (cleartext; Twisted's POP3 has no STLS) and, unless TLS-PORT is "-",
on 127.0.0.1:TLS-PORT with implicit TLS (listenSSL with CERT and KEY). One in-memory user,
poptest / poptest, with an empty mailbox. Runs until SIGTERM; logs to standard output."""
import sys

from twisted.cred import checkers, portal
from twisted.internet import protocol, reactor, ssl
from twisted.mail import pop3
from twisted.python import log
from zope.interface import implementer


class EmptyMailbox(pop3.Mailbox):
    """No messages: pop3.Mailbox's defaults (an empty listing)."""


@implementer(portal.IRealm)
class Realm:
    def requestAvatar(self, avatar_id, mind, *interfaces):
        if pop3.IMailbox not in interfaces:
            raise NotImplementedError("only POP3 mailboxes")
        return pop3.IMailbox, EmptyMailbox(), lambda: None


class POP3Factory(protocol.ServerFactory):
    """Gives each connection Twisted's POP3 protocol and the portal."""

    def __init__(self, the_portal):
        self.portal = the_portal

    def buildProtocol(self, addr):
        p = pop3.POP3()
        p.factory = self
        p.portal = self.portal
        return p


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    port, tls_port, cert, key = int(argv[1]), argv[2], argv[3], argv[4]
    log.startLogging(sys.stdout)
    users = checkers.InMemoryUsernamePasswordDatabaseDontUse(poptest=b"poptest")
    factory = POP3Factory(portal.Portal(Realm(), [users]))
    reactor.listenTCP(port, factory, backlog=128, interface="127.0.0.1")
    if tls_port != "-":
        context = ssl.DefaultOpenSSLContextFactory(key, cert)
        reactor.listenSSL(int(tls_port), factory, context, backlog=128, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main(sys.argv)
