// ClientAddress: who the client is behind (or without) trusted reverse proxies. Pure functions:
// the rightmost-untrusted rule over X-Forwarded-For, strict entry parsing, IPv4-mapped IPv6.

#include "server/http/ClientAddress.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {
ClientAddress::Subnets subnets(const QStringList &cidrs)
{
    ClientAddress::Subnets out;
    for (const QString &cidr : cidrs)
        out.append(QHostAddress::parseSubnet(cidr));
    return out;
}
} // namespace

class TestClientAddress : public QObject
{
    Q_OBJECT

private slots:
    void resolve_data()
    {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<QByteArrayList>("forwardedFor");
        QTest::addColumn<QStringList>("trusted");
        QTest::addColumn<QString>("expected");

        const QStringList proxies{u"127.0.0.1/32"_s, u"10.0.0.0/8"_s, u"fd00::/8"_s};
        // No proxies configured, or an untrusted peer: X-Forwarded-For is ignored entirely.
        QTest::newRow("no header")
            << u"203.0.113.9"_s << QByteArrayList{} << proxies << u"203.0.113.9"_s;
        QTest::newRow("no trusted proxies")
            << u"127.0.0.1"_s << QByteArrayList{"198.51.100.7"} << QStringList{} << u"127.0.0.1"_s;
        QTest::newRow("spoofed by an untrusted peer")
            << u"203.0.113.9"_s << QByteArrayList{"198.51.100.7"} << proxies << u"203.0.113.9"_s;
        QTest::newRow("spoofed chain by an untrusted peer")
            << u"203.0.113.9"_s << QByteArrayList{"1.1.1.1, 10.0.0.1"} << proxies
            << u"203.0.113.9"_s;
        // One trusted proxy in front.
        QTest::newRow("one proxy")
            << u"127.0.0.1"_s << QByteArrayList{"198.51.100.7"} << proxies << u"198.51.100.7"_s;
        QTest::newRow("one proxy, spaces")
            << u"127.0.0.1"_s << QByteArrayList{"  198.51.100.7  "} << proxies << u"198.51.100.7"_s;
        // The client prepends lies; our proxy appends the truth: rightmost untrusted wins.
        QTest::newRow("client-supplied prefix")
            << u"127.0.0.1"_s << QByteArrayList{"6.6.6.6, 198.51.100.7"} << proxies
            << u"198.51.100.7"_s;
        // Several proxies: skip every trusted hop from the right.
        QTest::newRow("chain of proxies")
            << u"10.1.2.3"_s << QByteArrayList{"6.6.6.6, 198.51.100.7, 10.0.0.5, 10.9.9.9"}
            << proxies << u"198.51.100.7"_s;
        QTest::newRow("chain over several headers")
            << u"127.0.0.1"_s << QByteArrayList{"6.6.6.6, 198.51.100.7", "10.0.0.5"} << proxies
            << u"198.51.100.7"_s;
        QTest::newRow("only trusted hops: the leftmost")
            << u"127.0.0.1"_s << QByteArrayList{"10.0.0.7, 10.0.0.5"} << proxies << u"10.0.0.7"_s;
        // IPv6 and IPv4-mapped forms.
        QTest::newRow("ipv6 client")
            << u"127.0.0.1"_s << QByteArrayList{"2001:db8::1"} << proxies << u"2001:db8::1"_s;
        QTest::newRow("ipv6 proxy")
            << u"fd00::5"_s << QByteArrayList{"198.51.100.7"} << proxies << u"198.51.100.7"_s;
        QTest::newRow("mapped peer is trusted")
            << u"::ffff:127.0.0.1"_s << QByteArrayList{"198.51.100.7"} << proxies
            << u"198.51.100.7"_s;
        QTest::newRow("mapped peer, no header")
            << u"::ffff:203.0.113.9"_s << QByteArrayList{} << proxies << u"203.0.113.9"_s;
        QTest::newRow("mapped entry") << u"127.0.0.1"_s << QByteArrayList{"::ffff:198.51.100.7"}
                                      << proxies << u"198.51.100.7"_s;
        QTest::newRow("mapped trusted hop is skipped")
            << u"127.0.0.1"_s << QByteArrayList{"198.51.100.7, ::ffff:10.0.0.5"} << proxies
            << u"198.51.100.7"_s;
        QTest::newRow("mapped subnet")
            << u"10.0.0.1"_s << QByteArrayList{"198.51.100.7"}
            << QStringList{u"::ffff:10.0.0.0/104"_s} << u"198.51.100.7"_s;
        // Ports some proxies append.
        QTest::newRow("v4 with port") << u"127.0.0.1"_s << QByteArrayList{"198.51.100.7:5678"}
                                      << proxies << u"198.51.100.7"_s;
        QTest::newRow("bracketed v6 with port")
            << u"127.0.0.1"_s << QByteArrayList{"[2001:db8::1]:443"} << proxies << u"2001:db8::1"_s;
        QTest::newRow("bracketed v6")
            << u"127.0.0.1"_s << QByteArrayList{"[2001:db8::1]"} << proxies << u"2001:db8::1"_s;
        // Garbage where we look: believe nothing, use the peer.
        QTest::newRow("garbage") << u"127.0.0.1"_s << QByteArrayList{"not an address"} << proxies
                                 << u"127.0.0.1"_s;
        QTest::newRow("unknown") << u"127.0.0.1"_s << QByteArrayList{"unknown"} << proxies
                                 << u"127.0.0.1"_s;
        QTest::newRow("empty header")
            << u"127.0.0.1"_s << QByteArrayList{""} << proxies << u"127.0.0.1"_s;
        QTest::newRow("trailing comma")
            << u"127.0.0.1"_s << QByteArrayList{"198.51.100.7,"} << proxies << u"127.0.0.1"_s;
        QTest::newRow("hostname") << u"127.0.0.1"_s << QByteArrayList{"evil.example"} << proxies
                                  << u"127.0.0.1"_s;
        QTest::newRow("inet_aton shorthand")
            << u"127.0.0.1"_s << QByteArrayList{"127.1"} << proxies << u"127.0.0.1"_s;
        QTest::newRow("hex octet")
            << u"127.0.0.1"_s << QByteArrayList{"0x7f.0.0.1"} << proxies << u"127.0.0.1"_s;
        QTest::newRow("leading zero")
            << u"127.0.0.1"_s << QByteArrayList{"010.0.0.1"} << proxies << u"127.0.0.1"_s;
        QTest::newRow("octet too big")
            << u"127.0.0.1"_s << QByteArrayList{"198.51.100.256"} << proxies << u"127.0.0.1"_s;
        QTest::newRow("scope id") << u"127.0.0.1"_s << QByteArrayList{"fe80::1%eth0"} << proxies
                                  << u"127.0.0.1"_s;
        QTest::newRow("bad port") << u"127.0.0.1"_s << QByteArrayList{"198.51.100.7:99999"}
                                  << proxies << u"127.0.0.1"_s;
        QTest::newRow("garbage behind the client is never read")
            << u"127.0.0.1"_s << QByteArrayList{"garbage, 198.51.100.7"} << proxies
            << u"198.51.100.7"_s;
        QTest::newRow("garbage between proxies")
            << u"127.0.0.1"_s << QByteArrayList{"198.51.100.7, garbage, 10.0.0.5"} << proxies
            << u"127.0.0.1"_s;
    }

    void resolve()
    {
        QFETCH(QString, peer);
        QFETCH(QByteArrayList, forwardedFor);
        QFETCH(QStringList, trusted);
        QFETCH(QString, expected);
        const QHostAddress client =
            ClientAddress::resolve(QHostAddress(peer), forwardedFor, subnets(trusted));
        QCOMPARE(client.toString(), expected);
        QCOMPARE(client, QHostAddress(expected));
    }

    void normalise_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ipv4") << u"192.0.2.1"_s << u"192.0.2.1"_s;
        QTest::newRow("mapped") << u"::ffff:192.0.2.1"_s << u"192.0.2.1"_s;
        QTest::newRow("mapped hex") << u"::ffff:c000:201"_s << u"192.0.2.1"_s;
        QTest::newRow("ipv6") << u"2001:DB8:0:0::1"_s << u"2001:db8::1"_s;
        QTest::newRow("scoped") << u"fe80::1%lo"_s << u"fe80::1"_s;
        QTest::newRow("loopback v6 stays v6") << u"::1"_s << u"::1"_s;
    }

    void normalise()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        const QHostAddress normalised = ClientAddress::normalise(QHostAddress(input));
        QCOMPARE(normalised.toString(), expected);
        if (!expected.contains(u':'))
            QCOMPARE(normalised.protocol(), QAbstractSocket::IPv4Protocol);
    }

    void parseForwardedEntry_data()
    {
        QTest::addColumn<QByteArray>("entry");
        QTest::addColumn<QString>("expected"); // empty: rejected
        QTest::newRow("v4") << QByteArray("192.0.2.1") << u"192.0.2.1"_s;
        QTest::newRow("zero") << QByteArray("0.0.0.0") << u"0.0.0.0"_s;
        QTest::newRow("v6") << QByteArray("2001:db8::1") << u"2001:db8::1"_s;
        QTest::newRow("v6 embedded v4")
            << QByteArray("64:ff9b::192.0.2.1") << u"64:ff9b::c000:201"_s;
        QTest::newRow("three parts") << QByteArray("192.0.2") << QString();
        QTest::newRow("five parts") << QByteArray("192.0.2.1.5") << QString();
        QTest::newRow("empty part") << QByteArray("192..2.1") << QString();
        QTest::newRow("trailing dot") << QByteArray("192.0.2.1.") << QString();
        QTest::newRow("sign") << QByteArray("+192.0.2.1") << QString();
        QTest::newRow("unclosed bracket") << QByteArray("[2001:db8::1") << QString();
        QTest::newRow("v4 in brackets") << QByteArray("[192.0.2.1]") << QString();
        QTest::newRow("port only") << QByteArray(":80") << QString();
        QTest::newRow("long junk") << QByteArray(300, ':') << QString();
    }

    void parseForwardedEntry()
    {
        QFETCH(QByteArray, entry);
        QFETCH(QString, expected);
        const QHostAddress parsed = ClientAddress::parseForwardedEntry(entry);
        if (expected.isEmpty())
            QVERIFY2(parsed.isNull(), qPrintable(parsed.toString()));
        else
            QCOMPARE(parsed.toString(), expected);
    }
};

QTEST_APPLESS_MAIN(TestClientAddress)
#include "TestClientAddress.moc"
