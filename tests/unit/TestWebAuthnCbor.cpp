// The strict CBOR decoder under the WebAuthn verifier (server/webauthn/Cbor.h): RFC 8949
// Appendix A examples it accepts, and everything it must refuse — truncation at every byte,
// trailing bytes, indefinite lengths, tags, floats, out-of-range integers, invalid UTF-8,
// duplicate or odd map keys, nesting and item limits, and declared lengths far beyond the input
// (which must be refused before anything is allocated).

#include "server/webauthn/Cbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QElapsedTimer>
#include <QTest>
#include <limits>

using namespace Qt::StringLiterals;
using namespace WebAuthn;

namespace {

QByteArray hex(const char *text)
{
    return QByteArray::fromHex(QByteArray(text));
}

// `count` nested one-element arrays around a 0.
QByteArray nestedArrays(int count)
{
    return QByteArray(count, '\x81') + '\0';
}

} // namespace

class TestWebAuthnCbor : public QObject
{
    Q_OBJECT

private slots:
    void accepts_data()
    {
        QTest::addColumn<QByteArray>("cbor");
        QTest::addColumn<QCborValue>("expected");
        // RFC 8949 Appendix A.
        QTest::newRow("0") << hex("00") << QCborValue(0);
        QTest::newRow("23") << hex("17") << QCborValue(23);
        QTest::newRow("24") << hex("1818") << QCborValue(24);
        QTest::newRow("1000") << hex("1903e8") << QCborValue(1000);
        QTest::newRow("1000000000000")
            << hex("1b000000e8d4a51000") << QCborValue(qint64(1000000000000));
        QTest::newRow("int64 max")
            << hex("1b7fffffffffffffff") << QCborValue(std::numeric_limits<qint64>::max());
        QTest::newRow("-1") << hex("20") << QCborValue(-1);
        QTest::newRow("-1000") << hex("3903e7") << QCborValue(-1000);
        QTest::newRow("int64 min")
            << hex("3b7fffffffffffffff") << QCborValue(std::numeric_limits<qint64>::min());
        QTest::newRow("false") << hex("f4") << QCborValue(false);
        QTest::newRow("true") << hex("f5") << QCborValue(true);
        QTest::newRow("null") << hex("f6") << QCborValue(nullptr);
        QTest::newRow("empty bytes") << hex("40") << QCborValue(QByteArray());
        QTest::newRow("bytes") << hex("4401020304") << QCborValue(hex("01020304"));
        QTest::newRow("empty text") << hex("60") << QCborValue(QString());
        QTest::newRow("text") << hex("6449455446") << QCborValue(u"IETF"_s);
        QTest::newRow("text ü") << hex("62c3bc") << QCborValue(u"ü"_s);
        QTest::newRow("text 水") << hex("63e6b0b4") << QCborValue(u"水"_s);
        QTest::newRow("empty array") << hex("80") << QCborValue(QCborArray());
        QTest::newRow("array") << hex("83010203") << QCborValue(QCborArray{1, 2, 3});
        QTest::newRow("nested arrays")
            << hex("8301820203820405")
            << QCborValue(QCborArray{1, QCborArray{2, 3}, QCborArray{4, 5}});
        QTest::newRow("empty map") << hex("a0") << QCborValue(QCborMap());
        QTest::newRow("int map") << hex("a201020304") << QCborValue(QCborMap{{1, 2}, {3, 4}});
        QTest::newRow("text map") << hex("a26161016162820203")
                                  << QCborValue(QCborMap{{u"a"_s, 1}, {u"b"_s, QCborArray{2, 3}}});
        QTest::newRow("16 levels deep") << nestedArrays(16) << QCborValue();
    }
    void accepts()
    {
        QFETCH(QByteArray, cbor);
        QFETCH(QCborValue, expected);
        auto decoded = Cbor::decodeExact(cbor);
        QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
        if (!expected.isUndefined())
            QCOMPARE(*decoded, expected);
        // Qt's own encoder agrees on the bytes (all examples are canonical).
        QCOMPARE(decoded->toCbor(), cbor);
        qsizetype consumed = -1;
        auto prefix = Cbor::decodePrefix(cbor + hex("ff00"), &consumed);
        QVERIFY(prefix.ok());
        QCOMPARE(consumed, cbor.size());
    }

    void refuses_data()
    {
        QTest::addColumn<QByteArray>("cbor");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("trailing byte") << hex("0000");
        QTest::newRow("trailing break") << hex("80ff");
        QTest::newRow("two items") << hex("a0a0");
        QTest::newRow("break alone") << hex("ff");
        QTest::newRow("reserved additional info 28") << hex("1c");
        QTest::newRow("reserved additional info 30") << hex("5e");
        QTest::newRow("uint above int64") << hex("1b8000000000000000");
        QTest::newRow("uint64 max") << hex("1bffffffffffffffff");
        QTest::newRow("negative below int64") << hex("3b8000000000000000");
        QTest::newRow("negative 2^64") << hex("3bffffffffffffffff");
        QTest::newRow("indefinite bytes") << hex("5f42010243030405ff");
        QTest::newRow("indefinite text") << hex("7f657374726561646d696e67ff");
        QTest::newRow("indefinite array") << hex("9f018202039f0405ffff");
        QTest::newRow("indefinite map") << hex("bf61610161629f0203ffff");
        QTest::newRow("tag") << hex("c11a514b67b0");
        QTest::newRow("bignum tag") << hex("c249010000000000000000");
        QTest::newRow("half float") << hex("f93c00");
        QTest::newRow("float") << hex("fa47c35000");
        QTest::newRow("double") << hex("fb3ff199999999999a");
        QTest::newRow("undefined") << hex("f7");
        QTest::newRow("simple 16") << hex("f0");
        QTest::newRow("simple 255") << hex("f8ff");
        QTest::newRow("invalid UTF-8") << hex("62c328");
        QTest::newRow("UTF-8 surrogate") << hex("63eda080");
        QTest::newRow("overlong UTF-8") << hex("62c0af");
        QTest::newRow("duplicate int key") << hex("a201000100");
        QTest::newRow("duplicate text key") << hex("a2616101616102");
        QTest::newRow("byte string key") << hex("a1410100");
        QTest::newRow("array key") << hex("a18000");
        QTest::newRow("bool key") << hex("a1f500");
        QTest::newRow("map missing value") << hex("a101");
        QTest::newRow("array missing element") << hex("8201");
        QTest::newRow("17 levels deep") << nestedArrays(17);
        QTest::newRow("1000 levels deep") << nestedArrays(1000);
        QByteArray manyItems = hex("991389"); // array of 5001 elements
        manyItems.append(QByteArray(5001, '\0'));
        QTest::newRow("more than 4096 items") << manyItems;
        QTest::newRow("huge bytes 2^64-1") << hex("5bffffffffffffffff00");
        QTest::newRow("huge bytes 2^32") << hex("5b000000010000000000");
        QTest::newRow("huge bytes 4 GiB-1") << hex("5affffffff0000");
        QTest::newRow("bytes one past the end") << hex("4501020304");
        QTest::newRow("huge text") << hex("7bffffffffffffffff61");
        QTest::newRow("huge array") << hex("9bffffffffffffffff00");
        QTest::newRow("huge array 2^31") << hex("9a8000000000");
        QTest::newRow("huge map") << hex("bbffffffffffffffff0000");
        QTest::newRow("map count beyond input") << hex("a3010203"); // 3 pairs need ≥ 6 bytes
        QTest::newRow("nested huge length") << hex("a1616182015bffffffffffffffff");
    }
    void refuses()
    {
        QFETCH(QByteArray, cbor);
        QElapsedTimer timer;
        timer.start();
        auto decoded = Cbor::decodeExact(cbor);
        QVERIFY2(!decoded.ok(), "garbage was accepted");
        QCOMPARE(decoded.error().code, u"WEBAUTHN_CBOR_INVALID"_s);
        QVERIFY(decoded.error().message.startsWith("Invalid CBOR"_L1));
        // A declared length is refused up front, never read (or allocated) first.
        QVERIFY(timer.elapsed() < 200);
    }

    // Every proper prefix of a valid attestation-like object is refused.
    void truncatedAtEveryByte()
    {
        QCborMap statement{{u"alg"_s, -7}, {u"sig"_s, QByteArray(70, 's')}};
        QCborMap object{{u"fmt"_s, u"packed"_s},
                        {u"attStmt"_s, statement},
                        {u"authData"_s, QByteArray(164, 'a')},
                        {u"list"_s, QCborArray{1, u"two"_s, QCborMap{{3, false}}, nullptr}}};
        const QByteArray full = object.toCborValue().toCbor();
        QVERIFY(Cbor::decodeExact(full).ok());
        for (qsizetype length = 0; length < full.size(); ++length) {
            auto decoded = Cbor::decodeExact(full.first(length));
            QVERIFY2(!decoded.ok(), qPrintable(u"prefix of %1 bytes accepted"_s.arg(length)));
        }
        QCOMPARE(*Cbor::decodeExact(full), QCborValue(object));
    }

    // decodePrefix reports where the item ends (the COSE key inside authenticator data).
    void prefixLength()
    {
        const QByteArray key = hex("a50102032620012158200101010101010101010101010101010101010101"
                                   "01010101010101010101010122582002020202020202020202020202020202"
                                   "02020202020202020202020202020202");
        qsizetype consumed = 0;
        auto decoded = Cbor::decodePrefix(key + hex("a16b6372656450726f7465637402"), &consumed);
        QVERIFY(decoded.ok());
        QCOMPARE(consumed, key.size());
        QCOMPARE(decoded->toMap().value(3).toInteger(), -7);
        QVERIFY(!Cbor::decodeExact(key + hex("00")).ok());
    }
};

QTEST_GUILESS_MAIN(TestWebAuthnCbor)
#include "TestWebAuthnCbor.moc"
