// TOTP core (server/totp): RFC 6238 Appendix B SHA-1 vectors (8 digits, and their 6-digit
// truncation as Gatehouse uses it), RFC 4226 Appendix D HOTP vectors, RFC 4648 base32 vectors
// with strict decoding, the ±1 step window and replay refusal with an injected clock, codes
// cross-checked with oathtool (an independent implementation, Debian package `oathtool`),
// the otpauth:// URI, the QR code SVG (read back with zbarimg) and the sealed secrets.

#include "server/crypto/Crypto.h"
#include "server/totp/Base32.h"
#include "server/totp/Totp.h"
#include "server/totp/TotpProvisioning.h"
#include "server/totp/TotpSecrets.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <QUrlQuery>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;

namespace {

const QByteArray kRfcSeed = "12345678901234567890"_ba; // RFC 6238 Appendix B, SHA-1

Clock fixedClock(qint64 unixSeconds)
{
    return [unixSeconds] { return QDateTime::fromSecsSinceEpoch(unixSeconds, Qt::UTC); };
}

// The dark modules of the SVG's path ("M{x} {y}h{run}v1h-{run}z" runs) as a grid.
QList<QList<bool>> modulesOf(const QString &svg, int *size)
{
    QXmlStreamReader xml(svg);
    QString d;
    *size = 0;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == u"svg"_s)
            *size = xml.attributes().value(u"viewBox"_s).toString().split(u' ').value(2).toInt();
        if (xml.name() == u"path"_s)
            d = xml.attributes().value(u"d"_s).toString();
    }
    if (xml.hasError() || *size <= 0)
        return {};
    QList<QList<bool>> grid(*size, QList<bool>(*size, false));
    static const QRegularExpression run(u"M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z"_s);
    for (auto it = run.globalMatch(d); it.hasNext();) {
        const auto m = it.next();
        const int x = m.captured(1).toInt(), y = m.captured(2).toInt(), n = m.captured(3).toInt();
        for (int i = 0; i < n && x + i < *size && y < *size; ++i)
            grid[y][x + i] = true;
    }
    return grid;
}

// A QR finder pattern at (x, y): 7x7 dark ring, light ring, 3x3 dark centre.
bool isFinder(const QList<QList<bool>> &grid, int x, int y)
{
    for (int dy = 0; dy < 7; ++dy) {
        for (int dx = 0; dx < 7; ++dx) {
            const bool ring = dx == 0 || dy == 0 || dx == 6 || dy == 6;
            const bool centre = dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4;
            if (grid[y + dy][x + dx] != (ring || centre))
                return false;
        }
    }
    return true;
}

} // namespace

class TestTotp : public QObject
{
    Q_OBJECT

private slots:
    void rfc6238Sha1_data()
    {
        QTest::addColumn<qint64>("unixTime");
        QTest::addColumn<QByteArray>("code8");
        // RFC 6238 Appendix B, the SHA-1 rows (T0 = 0, X = 30).
        QTest::newRow("59") << qint64(59) << "94287082"_ba;
        QTest::newRow("1111111109") << qint64(1111111109) << "07081804"_ba;
        QTest::newRow("1111111111") << qint64(1111111111) << "14050471"_ba;
        QTest::newRow("1234567890") << qint64(1234567890) << "89005924"_ba;
        QTest::newRow("2000000000") << qint64(2000000000) << "69279037"_ba;
        QTest::newRow("20000000000") << qint64(20000000000) << "65353130"_ba;
    }
    void rfc6238Sha1()
    {
        QFETCH(qint64, unixTime);
        QFETCH(QByteArray, code8);
        const QDateTime time = QDateTime::fromSecsSinceEpoch(unixTime, Qt::UTC);
        QCOMPARE(Totp::codeAt(kRfcSeed, time, 8), code8);
        // Truncation to 6 digits is the same binary value modulo 10^6.
        QCOMPARE(Totp::codeAt(kRfcSeed, time), code8.right(6));
        // And the 6-digit code verifies at that time, and only within the window.
        QCOMPARE(Totp::verify(kRfcSeed, code8.right(6), fixedClock(unixTime)), std::optional<qint64>(unixTime / 30));
        QVERIFY(!Totp::verify(kRfcSeed, code8.right(6), fixedClock(unixTime + 90)).has_value());
    }

    void rfc4226Hotp_data()
    {
        QTest::addColumn<quint64>("counter");
        QTest::addColumn<QByteArray>("code");
        const char *codes[] = {"755224", "287082", "359152", "969429", "338314",
                               "254676", "287922", "162583", "399871", "520489"};
        for (quint64 i = 0; i < 10; ++i)
            QTest::addRow("counter %llu", i) << i << QByteArray(codes[i]);
    }
    void rfc4226Hotp()
    {
        QFETCH(quint64, counter);
        QFETCH(QByteArray, code);
        QCOMPARE(Totp::hotp(kRfcSeed, counter), code);
    }

    void base32Vectors_data()
    {
        QTest::addColumn<QByteArray>("plain");
        QTest::addColumn<QByteArray>("encoded");
        // RFC 4648 §10.
        QTest::newRow("empty") << ""_ba << ""_ba;
        QTest::newRow("f") << "f"_ba << "MY======"_ba;
        QTest::newRow("fo") << "fo"_ba << "MZXQ===="_ba;
        QTest::newRow("foo") << "foo"_ba << "MZXW6==="_ba;
        QTest::newRow("foob") << "foob"_ba << "MZXW6YQ="_ba;
        QTest::newRow("fooba") << "fooba"_ba << "MZXW6YTB"_ba;
        QTest::newRow("foobar") << "foobar"_ba << "MZXW6YTBOI======"_ba;
        QTest::newRow("rfc6238 seed") << kRfcSeed << "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"_ba;
        QTest::newRow("all bits") << "\xff\xff\xff\xff\xff"_ba << "77777777"_ba;
    }
    void base32Vectors()
    {
        QFETCH(QByteArray, plain);
        QFETCH(QByteArray, encoded);
        QCOMPARE(Base32::encode(plain), encoded);
        QByteArray unpadded = encoded;
        while (unpadded.endsWith('='))
            unpadded.chop(1);
        QCOMPARE(Base32::encode(plain, Base32::Padding::Without), unpadded);
        for (const QByteArray &text : {encoded, unpadded}) {
            auto decoded = Base32::decode(QByteArrayView(text));
            QVERIFY2(decoded.ok(), text.constData());
            QCOMPARE(*decoded, plain);
            auto fromString = Base32::decode(QStringView(QString::fromLatin1(text)));
            QVERIFY(fromString.ok());
            QCOMPARE(*fromString, plain);
        }
    }

    void base32Strict_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("lower case") << "mzxw6ytb"_ba;
        QTest::newRow("outside alphabet 0") << "MZXW6YT0"_ba;
        QTest::newRow("outside alphabet 1") << "MZXW61TB"_ba;
        QTest::newRow("outside alphabet 8") << "MZXW68TB"_ba;
        QTest::newRow("space") << "MZXW 6YTB"_ba;
        QTest::newRow("newline") << "MZXW6YTB\n"_ba;
        QTest::newRow("impossible length 1") << "M"_ba;
        QTest::newRow("impossible length 3") << "MZX"_ba;
        QTest::newRow("impossible length 6") << "MZXW6Y"_ba;
        QTest::newRow("too little padding") << "MY====="_ba;
        QTest::newRow("too much padding") << "MZXW6YQ========="_ba;
        QTest::newRow("padding inside") << "MY======MY======"_ba;
        QTest::newRow("padding only") << "========"_ba;
        QTest::newRow("wrong padding for length") << "MZXQ=====" "==="_ba;
        QTest::newRow("non-zero unused bits") << "MZ======"_ba; // "f" is MY
        QTest::newRow("non-zero unused bits unpadded") << "MZXW6YR"_ba; // "foob" is MZXW6YQ
    }
    void base32Strict()
    {
        QFETCH(QByteArray, text);
        auto decoded = Base32::decode(QByteArrayView(text));
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.error().code, QString(Base32::kInvalid));
        QVERIFY(!Base32::decode(QStringView(u"MZXW6YT\u00c9"_s)).ok());
    }

    void windowWithInjectedClock_data()
    {
        QTest::addColumn<int>("offsetSteps");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("two steps behind") << -2 << false;
        QTest::newRow("one step behind") << -1 << true;
        QTest::newRow("current step") << 0 << true;
        QTest::newRow("one step ahead") << 1 << true;
        QTest::newRow("two steps ahead") << 2 << false;
    }
    void windowWithInjectedClock()
    {
        QFETCH(int, offsetSteps);
        QFETCH(bool, accepted);
        const QByteArray secret = Totp::newSecret();
        QCOMPARE(secret.size(), Totp::kSecretBytes);
        // Both ends of a step: its first and its last second.
        const qint64 stepStart = 1'800'000'000LL / 30 * 30;
        for (const qint64 now : {stepStart, stepStart + 29}) {
            const qint64 step = now / 30 + offsetSteps;
            const QByteArray code = Totp::hotp(secret, static_cast<quint64>(step));
            const auto matched = Totp::verify(secret, code, fixedClock(now));
            QCOMPARE(matched.has_value(), accepted);
            if (accepted)
                QCOMPARE(*matched, step);
        }
    }

    void replayRefused()
    {
        const QByteArray secret = Totp::newSecret();
        const qint64 now = 1'900'000'015;
        const Clock clock = fixedClock(now);
        const qint64 step = now / 30;
        const QByteArray code = Totp::hotp(secret, static_cast<quint64>(step));
        const auto first = Totp::verify(secret, code, clock);
        QCOMPARE(first, std::optional<qint64>(step));
        // The same code again, once its step is recorded: refused; so is the older one.
        QVERIFY(!Totp::verify(secret, code, clock, first).has_value());
        QVERIFY(!Totp::verify(secret, Totp::hotp(secret, static_cast<quint64>(step - 1)), clock, first).has_value());
        // Still refused 29 seconds later, in the next step, while it is inside the window.
        QVERIFY(!Totp::verify(secret, code, fixedClock(now + 29), first).has_value());
        // The next step's code is fresh.
        const QByteArray next = Totp::hotp(secret, static_cast<quint64>(step + 1));
        QCOMPARE(Totp::verify(secret, next, clock, first), std::optional<qint64>(step + 1));
        // Wrong secret, wrong code, malformed codes.
        QVERIFY(!Totp::verify(Totp::newSecret(), code, clock).has_value());
        const QList<QByteArray> window{Totp::hotp(secret, static_cast<quint64>(step - 1)), code,
                                       Totp::hotp(secret, static_cast<quint64>(step + 1))};
        QByteArray wrong = "000000"_ba;
        for (int i = 1; window.contains(wrong); ++i)
            wrong = QByteArray::number(i).rightJustified(6, '0');
        QVERIFY(!Totp::verify(secret, wrong, clock).has_value());
        QVERIFY(!Totp::verify(secret, code.left(5), clock).has_value());
        QVERIFY(!Totp::verify(secret, code + "0", clock).has_value());
    }

    void wellFormedCodes()
    {
        QVERIFY(Totp::isWellFormedCode(u"012345"));
        QVERIFY(!Totp::isWellFormedCode(u"12345"));
        QVERIFY(!Totp::isWellFormedCode(u"1234567"));
        QVERIFY(!Totp::isWellFormedCode(u"12a456"));
        QVERIFY(!Totp::isWellFormedCode(u" 12345"));
        QVERIFY(!Totp::isWellFormedCode(u"\u0661\u0662\u0663\u0664\u0665\u0666")); // Arabic-Indic digits
    }

    // oathtool (OATH Toolkit) computes the same codes for random secrets at fixed times.
    void crossCheckedWithOathtool()
    {
        const QString oathtool = QStandardPaths::findExecutable(u"oathtool"_s);
        if (oathtool.isEmpty())
            QFAIL("oathtool is missing: apt-get install oathtool (GATEHOUSE_TEST_PACKAGES)");
        const qint64 times[] = {59, 1111111109, 1234567890, 1700000000, 2000000000, 4102444799};
        for (int round = 0; round < 4; ++round) {
            const QByteArray secret = Totp::newSecret();
            const QString base32 = QString::fromLatin1(Base32::encode(secret, Base32::Padding::Without));
            for (const qint64 t : times) {
                const QDateTime time = QDateTime::fromSecsSinceEpoch(t, Qt::UTC);
                QProcess process;
                process.start(oathtool, {u"--totp"_s, u"-b"_s, u"--now"_s,
                                         time.toString(u"yyyy-MM-dd HH:mm:ss"_s) + u" UTC"_s, base32});
                QVERIFY(process.waitForFinished(10000));
                QCOMPARE(process.exitCode(), 0);
                QCOMPARE(process.readAllStandardOutput().trimmed(), Totp::codeAt(secret, time));
            }
        }
    }

    void otpauthUri()
    {
        const QByteArray secret = kRfcSeed;
        const QString uri = TotpProvisioning::otpauthUri(u"Acme Co & Sons"_s, u"alice+tag@example.org"_s, secret);
        QCOMPARE(uri, u"otpauth://totp/Acme%20Co%20%26%20Sons:alice%2Btag@example.org"
                      "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20Co%20%26%20Sons"
                      "&algorithm=SHA1&digits=6&period=30"_s);
        // A URL parser reads back what was meant.
        const QUrl url(uri);
        QCOMPARE(url.scheme(), u"otpauth"_s);
        QCOMPARE(url.host(), u"totp"_s);
        QCOMPARE(url.path(QUrl::FullyDecoded), u"/Acme Co & Sons:alice+tag@example.org"_s);
        const QUrlQuery query(url);
        QCOMPARE(query.queryItemValue(u"issuer"_s, QUrl::FullyDecoded), u"Acme Co & Sons"_s);
        QCOMPARE(query.queryItemValue(u"secret"_s), u"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"_s);
        QCOMPARE(query.queryItemValue(u"algorithm"_s), u"SHA1"_s);
        QCOMPARE(query.queryItemValue(u"digits"_s), u"6"_s);
        QCOMPARE(query.queryItemValue(u"period"_s), u"30"_s);
    }

    void qrCodeSvg()
    {
        const QString uri = TotpProvisioning::otpauthUri(u"Gatehouse"_s, u"bob@example.org"_s, Totp::newSecret());
        auto svg = TotpProvisioning::qrSvg(uri);
        QVERIFY(svg.ok());
        QVERIFY(svg->startsWith(u"<svg xmlns=\"http://www.w3.org/2000/svg\""_s));
        QVERIFY(!svg->contains(u"script"_s, Qt::CaseInsensitive));
        QVERIFY(!svg->contains(u"style"_s, Qt::CaseInsensitive));
        QVERIFY(!svg->contains(u"href"_s, Qt::CaseInsensitive));
        int size = 0;
        const auto grid = modulesOf(*svg, &size);
        QVERIFY2(!grid.isEmpty(), "the SVG does not parse");
        // A QR symbol of version v is 17 + 4v modules wide, plus the 4-module quiet zone.
        const int width = size - 8;
        QVERIFY(width >= 21 && width <= 177 && (width - 17) % 4 == 0);
        // Finder patterns in three corners, nothing dark in the quiet zone.
        QVERIFY(isFinder(grid, 4, 4));
        QVERIFY(isFinder(grid, 4 + width - 7, 4));
        QVERIFY(isFinder(grid, 4, 4 + width - 7));
        for (int i = 0; i < size; ++i)
            for (int q = 0; q < 4; ++q)
                QVERIFY(!grid[q][i] && !grid[size - 1 - q][i] && !grid[i][q] && !grid[i][size - 1 - q]);
        // Far too long for any QR code.
        QVERIFY(!TotpProvisioning::qrSvg(QString(8000, u'x')).ok());
    }

    // A QR reader (zbarimg, Debian zbar-tools) reads the URI back from the SVG, rendered to PNG by
    // rsvg-convert (librsvg2-bin): the symbol is not just well-formed, it says the right thing.
    void qrCodeDecodesToTheUri()
    {
        const QString rsvg = QStandardPaths::findExecutable(u"rsvg-convert"_s);
        const QString zbarimg = QStandardPaths::findExecutable(u"zbarimg"_s);
        if (rsvg.isEmpty() || zbarimg.isEmpty())
            QFAIL("rsvg-convert or zbarimg is missing: apt-get install librsvg2-bin zbar-tools");
        const QString uri = TotpProvisioning::otpauthUri(u"Acme Co"_s, u"carol+qr@example.org"_s, Totp::newSecret());
        auto svg = TotpProvisioning::qrSvg(uri);
        QVERIFY(svg.ok());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(u"qr.svg"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(svg->toUtf8());
        file.close();
        QProcess render;
        render.start(rsvg, {u"-w"_s, u"400"_s, u"-o"_s, dir.filePath(u"qr.png"_s), file.fileName()});
        QVERIFY(render.waitForFinished(20000));
        QCOMPARE(render.exitCode(), 0);
        QProcess read;
        read.start(zbarimg, {u"--quiet"_s, u"--raw"_s, dir.filePath(u"qr.png"_s)});
        QVERIFY(read.waitForFinished(20000));
        QCOMPARE(read.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(read.readAllStandardOutput()).trimmed(), uri);
    }

    void sealedSecrets()
    {
        const QByteArray key = Crypto::randomBytes(32);
        const QByteArray secret = Totp::newSecret();
        const QString alice = u"0b6f1b8e-3c1e-4d5c-9f1a-111111111111"_s;
        const QString bob = u"0b6f1b8e-3c1e-4d5c-9f1a-222222222222"_s;
        auto sealed = TotpSecrets::seal(key, secret, alice);
        QVERIFY(sealed.ok());
        QVERIFY(!sealed->contains(QString::fromLatin1(secret.toBase64())));
        QCOMPARE(sealed->size(), 66); // 1 + 12 + 20 + 16 = 49 bytes, base64url
        auto opened = TotpSecrets::open(key, *sealed, alice);
        QVERIFY(opened.ok());
        QCOMPARE(*opened, secret);
        QVERIFY(!TotpSecrets::open(key, *sealed, bob).ok());                     // other user
        QVERIFY(!TotpSecrets::open(Crypto::randomBytes(32), *sealed, alice).ok()); // other key
        QVERIFY(!TotpSecrets::open(key, sealed->left(64), alice).ok());          // damaged
        QVERIFY(!TotpSecrets::open(key, u"not base64url!"_s, alice).ok());
        QVERIFY(!TotpSecrets::seal(QByteArray(16, 'k'), secret, alice).ok());     // not a 32-byte key
    }
};

QTEST_GUILESS_MAIN(TestTotp)
#include "TestTotp.moc"
