// Crypto primitives against public vectors: SHA-256 (FIPS 180-2 examples), HMAC-SHA-256
// (RFC 4231), HMAC-SHA-1 (RFC 2202), base64url (RFC 4648 §10 and §5) with strict decoding,
// AES-256-GCM (McGrew & Viega GCM spec test cases 13-16 for the raw primitive; our sealed format
// refuses every kind of tampering), constant-time comparison and the RNG.

#include "server/crypto/Crypto.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QByteArray hex(const char *text)
{
    return QByteArray::fromHex(QByteArray(text));
}

QByteArray repeated(char byte, int count)
{
    return QByteArray(count, byte);
}

QByteArray rangeBytes(int from, int to) // inclusive
{
    QByteArray out;
    for (int i = from; i <= to; ++i)
        out.append(static_cast<char>(i));
    return out;
}

const QByteArray kGcmKey = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");

} // namespace

class TestCrypto : public QObject
{
    Q_OBJECT

private slots:
    void sha256_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("digest");
        QTest::newRow("empty")
            << QByteArray()
            << u"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"_s;
        QTest::newRow("abc")
            << "abc"_ba << u"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_s;
        QTest::newRow("448 bits")
            << "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"_ba
            << u"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"_s;
        QTest::newRow("million a")
            << repeated('a', 1000000)
            << u"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"_s;
    }
    void sha256()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, digest);
        QCOMPARE(Crypto::sha256Hex(input), digest);
        QCOMPARE(Crypto::sha256(input), QByteArray::fromHex(digest.toLatin1()));
    }

    void hmacSha256_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("mac");
        // RFC 4231 §4.2-4.8. Case 5 lists the output truncated to 128 bits; compared as a prefix.
        QTest::newRow("4231-1")
            << repeated('\x0b', 20) << "Hi There"_ba
            << hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        QTest::newRow("4231-2")
            << "Jefe"_ba
            << "what do ya want for nothing?"_ba
            << hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        QTest::newRow("4231-3")
            << repeated('\xaa', 20) << repeated('\xdd', 50)
            << hex("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
        QTest::newRow("4231-4")
            << rangeBytes(1, 25) << repeated('\xcd', 50)
            << hex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
        QTest::newRow("4231-5") << repeated('\x0c', 20) << "Test With Truncation"_ba
                                << hex("a3b6167473100ee06e0c796c2955552b");
        QTest::newRow("4231-6")
            << repeated('\xaa', 131) << "Test Using Larger Than Block-Size Key - Hash Key First"_ba
            << hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        QTest::newRow("4231-7")
            << repeated('\xaa', 131)
            << "This is a test using a larger than block-size key and a larger than block-size "
               "data. "
               "The key needs to be hashed before being used by the HMAC algorithm."_ba
            << hex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
        // Not in the RFC: the empty key is legal HMAC and must not trip OpenSSL.
        QTest::newRow("empty key")
            << QByteArray() << QByteArray()
            << hex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    }
    void hmacSha256()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, mac);
        const QByteArray actual = Crypto::hmacSha256(key, data);
        QCOMPARE(actual.size(), 32);
        QCOMPARE(actual.left(mac.size()), mac);
    }

    void hmacSha1_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("mac");
        // RFC 2202 §3 (cases 1-7).
        QTest::newRow("2202-1") << repeated('\x0b', 20) << "Hi There"_ba
                                << hex("b617318655057264e28bc0b6fb378c8ef146be00");
        QTest::newRow("2202-2") << "Jefe"_ba
                                << "what do ya want for nothing?"_ba
                                << hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        QTest::newRow("2202-3") << repeated('\xaa', 20) << repeated('\xdd', 50)
                                << hex("125d7342b9ac11cd91a39af48aa17b4f63f175d3");
        QTest::newRow("2202-4") << rangeBytes(1, 25) << repeated('\xcd', 50)
                                << hex("4c9007f4026250c6bc8414f9bf50c86c2d7235da");
        QTest::newRow("2202-5") << repeated('\x0c', 20) << "Test With Truncation"_ba
                                << hex("4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
        QTest::newRow("2202-6") << repeated('\xaa', 80)
                                << "Test Using Larger Than Block-Size Key - Hash Key First"_ba
                                << hex("aa4ae5e15272d00e95705637ce8a3b55ed402112");
        QTest::newRow("2202-7")
            << repeated('\xaa', 80)
            << "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"_ba
            << hex("e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
    }
    void hmacSha1()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, mac);
        QCOMPARE(Crypto::hmacSha1(key, data), mac);
    }

    void base64Url_data()
    {
        QTest::addColumn<QByteArray>("decoded");
        QTest::addColumn<QByteArray>("encoded");
        // RFC 4648 §10 (padding omitted, as §3.2 allows and JOSE requires).
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("f") << "f"_ba
                           << "Zg"_ba;
        QTest::newRow("fo") << "fo"_ba
                            << "Zm8"_ba;
        QTest::newRow("foo") << "foo"_ba
                             << "Zm9v"_ba;
        QTest::newRow("foob") << "foob"_ba
                              << "Zm9vYg"_ba;
        QTest::newRow("fooba") << "fooba"_ba
                               << "Zm9vYmE"_ba;
        QTest::newRow("foobar") << "foobar"_ba
                                << "Zm9vYmFy"_ba;
        // The two characters that differ from base64 (§5: '-' for '+', '_' for '/').
        QTest::newRow("url alphabet") << hex("fbff") << "-_8"_ba;
        QTest::newRow("all 62") << hex("fbefbe") << "----"_ba;
        QTest::newRow("all 63") << hex("ffffff") << "____"_ba;
        QTest::newRow("zero bytes") << hex("000000") << "AAAA"_ba;
    }
    void base64Url()
    {
        QFETCH(QByteArray, decoded);
        QFETCH(QByteArray, encoded);
        QCOMPARE(Crypto::base64UrlEncode(decoded), encoded);
        const auto fromBytes = Crypto::base64UrlDecode(QByteArrayView(encoded));
        QVERIFY(fromBytes.ok());
        QCOMPARE(*fromBytes, decoded);
        const auto fromText = Crypto::base64UrlDecode(QStringView(QString::fromLatin1(encoded)));
        QVERIFY(fromText.ok());
        QCOMPARE(*fromText, decoded);
    }

    void base64UrlStrict_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("padding") << u"Zg=="_s;
        QTest::newRow("single pad") << u"Zm8="_s;
        QTest::newRow("only padding") << u"===="_s;
        QTest::newRow("plus") << u"Zm9v+mFy"_s;
        QTest::newRow("slash") << u"Zm9v/mFy"_s;
        QTest::newRow("space") << u"Zm9v YmFy"_s;
        QTest::newRow("newline") << u"Zm9v\nYmFy"_s;
        QTest::newRow("trailing newline") << u"Zm9v\n"_s;
        QTest::newRow("dot") << u"Zm9v.YmFy"_s;
        QTest::newRow("length 4k+1") << u"Zm9vY"_s;
        QTest::newRow("one char") << u"Z"_s;
        QTest::newRow("trailing bits 2") << u"Zh"_s;  // 'h' sets a bit beyond the one byte
        QTest::newRow("trailing bits 3") << u"Zm9"_s; // '9' = 111101: low two bits non-zero
        QTest::newRow("non-ASCII") << u"Zm9v\u00e4"_s;
        QTest::newRow("NUL") << QString(u"Zm9v\0AAA"_s);
    }
    void base64UrlStrict()
    {
        QFETCH(QString, text);
        const auto fromText = Crypto::base64UrlDecode(QStringView(text));
        QVERIFY(!fromText.ok());
        QCOMPARE(fromText.error().code, QString(Crypto::kBase64Invalid));
        const QByteArray utf8 = text.toUtf8();
        const auto fromBytes = Crypto::base64UrlDecode(QByteArrayView(utf8));
        QVERIFY(!fromBytes.ok());
        QCOMPARE(fromBytes.error().code, QString(Crypto::kBase64Invalid));
    }

    void base64UrlRoundTripAllLengths()
    {
        for (int length = 0; length < 70; ++length) {
            const QByteArray data = Crypto::randomBytes(length);
            const QByteArray text = Crypto::base64UrlEncode(data);
            QVERIFY(!text.contains('=') && !text.contains('+') && !text.contains('/'));
            const auto back = Crypto::base64UrlDecode(QByteArrayView(text));
            QVERIFY2(back.ok(), qPrintable(QString::number(length)));
            QCOMPARE(*back, data);
        }
    }

    void gcmKnownAnswers_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("nonce");
        QTest::addColumn<QByteArray>("plaintext");
        QTest::addColumn<QByteArray>("aad");
        QTest::addColumn<QByteArray>("ciphertextAndTag");
        // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 13-16
        // (AES-256, 96-bit IV), also used by NIST's GCM validation.
        QTest::newRow("gcm-13") << QByteArray(32, '\0') << QByteArray(12, '\0') << QByteArray()
                                << QByteArray() << hex("530f8afbc74536b9a963b4f1c4cb738b");
        QTest::newRow("gcm-14")
            << QByteArray(32, '\0') << QByteArray(12, '\0') << QByteArray(16, '\0') << QByteArray()
            << hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
        const QByteArray p15 =
            hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
        const QByteArray c15 =
            hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad");
        QTest::newRow("gcm-15") << kGcmKey << hex("cafebabefacedbaddecaf888") << p15 << QByteArray()
                                << c15 + hex("b094dac5d93471bdec1a502270e3cc6c");
        QTest::newRow("gcm-16") << kGcmKey << hex("cafebabefacedbaddecaf888") << p15.left(60)
                                << hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
                                << c15.left(60) + hex("76fc6ece0f4e1768cddf8853bb2d551b");
    }
    void gcmKnownAnswers()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, nonce);
        QFETCH(QByteArray, plaintext);
        QFETCH(QByteArray, aad);
        QFETCH(QByteArray, ciphertextAndTag);
        const auto sealed = Crypto::aesGcmSealRawForTesting(key, nonce, plaintext, aad);
        QVERIFY(sealed.ok());
        QCOMPARE(sealed->toHex(), ciphertextAndTag.toHex());

        // The same bytes in our envelope (version byte, which is also authenticated, so the tag
        // differs) decrypt back; this pins the raw primitive under aesGcmDecrypt.
        const auto envelope = Crypto::aesGcmEncrypt(key, plaintext, aad);
        QVERIFY(envelope.ok());
        const auto opened = Crypto::aesGcmDecrypt(key, *envelope, aad);
        QVERIFY(opened.ok());
        QCOMPARE(*opened, plaintext);
    }

    void gcmFormatAndRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("plaintext");
        QTest::addColumn<QByteArray>("aad");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("totp secret") << Crypto::randomBytes(20) << "totp:0b7c1d"_ba;
        QTest::newRow("no aad") << "hello"_ba << QByteArray();
        QTest::newRow("large") << Crypto::randomBytes(100000) << "ctx"_ba;
    }
    void gcmFormatAndRoundTrip()
    {
        QFETCH(QByteArray, plaintext);
        QFETCH(QByteArray, aad);
        const QByteArray key = Crypto::randomBytes(32);
        const auto first = Crypto::aesGcmEncrypt(key, plaintext, aad);
        const auto second = Crypto::aesGcmEncrypt(key, plaintext, aad);
        QVERIFY(first.ok() && second.ok());
        QCOMPARE(first->size(), 1 + 12 + plaintext.size() + 16);
        QCOMPARE(first->at(0), '\x01');
        QVERIFY(first->mid(1, 12) != second->mid(1, 12)); // fresh nonce each time
        QVERIFY(*first != *second);
        if (!plaintext.isEmpty())
            QVERIFY(!first->contains(plaintext));
        const auto opened = Crypto::aesGcmDecrypt(key, *first, aad);
        QVERIFY(opened.ok());
        QCOMPARE(*opened, plaintext);
    }

    void gcmTamperEveryByte()
    {
        const QByteArray key = Crypto::randomBytes(32);
        const QByteArray aad = "totp:user-1"_ba;
        const auto sealed = Crypto::aesGcmEncrypt(key, "JBSWY3DPEHPK3PXP"_ba, aad);
        QVERIFY(sealed.ok());
        // Version byte, every nonce byte, every ciphertext byte, every tag byte; and each bit.
        for (qsizetype i = 0; i < sealed->size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                QByteArray changed = *sealed;
                changed[i] = static_cast<char>(changed.at(i) ^ (1 << bit));
                const auto opened = Crypto::aesGcmDecrypt(key, changed, aad);
                QVERIFY2(!opened.ok(), qPrintable(u"byte %1 bit %2"_s.arg(i).arg(bit)));
                QCOMPARE(opened.error().code, QString(Crypto::kDecryptionFailed));
            }
        }
    }

    void gcmRefusals()
    {
        const QByteArray key = Crypto::randomBytes(32);
        const QByteArray aad = "totp:user-1"_ba;
        const auto sealedResult = Crypto::aesGcmEncrypt(key, "secret"_ba, aad);
        QVERIFY(sealedResult.ok());
        const QByteArray sealed = *sealedResult;
        auto refused = [](const Result<QByteArray> &r) {
            return !r.ok() && r.error().code == QString(Crypto::kDecryptionFailed);
        };

        QVERIFY(refused(Crypto::aesGcmDecrypt(Crypto::randomBytes(32), sealed, aad))); // wrong key
        QVERIFY(refused(Crypto::aesGcmDecrypt(key, sealed, "totp:user-2"_ba)));        // wrong AAD
        QVERIFY(refused(Crypto::aesGcmDecrypt(key, sealed, QByteArray()))); // AAD missing
        for (qsizetype length = 0; length < sealed.size(); ++length)        // truncated
            QVERIFY2(refused(Crypto::aesGcmDecrypt(key, sealed.left(length), aad)),
                     qPrintable(QString::number(length)));
        QVERIFY(refused(Crypto::aesGcmDecrypt(key, sealed + "x"_ba, aad))); // extended
        QByteArray otherVersion = sealed;
        otherVersion[0] = '\x02';
        QVERIFY(refused(Crypto::aesGcmDecrypt(key, otherVersion, aad)));
        // Ciphertext moved under another nonce.
        QByteArray swapped = sealed;
        swapped.replace(1, 12, Crypto::randomBytes(12));
        QVERIFY(refused(Crypto::aesGcmDecrypt(key, swapped, aad)));

        // Keys of the wrong size are a programming error with their own code.
        const auto shortKey = Crypto::aesGcmEncrypt(Crypto::randomBytes(16), "x"_ba, {});
        QVERIFY(!shortKey.ok());
        QCOMPARE(shortKey.error().code, QString(Crypto::kKeyInvalid));
        const auto shortKeyDecrypt = Crypto::aesGcmDecrypt(key.left(31), sealed, aad);
        QVERIFY(!shortKeyDecrypt.ok());
        QCOMPARE(shortKeyDecrypt.error().code, QString(Crypto::kKeyInvalid));
    }

    void equalConstantTime()
    {
        QVERIFY(Crypto::equalConstantTime("abc"_ba, "abc"_ba));
        QVERIFY(Crypto::equalConstantTime(QByteArray(), QByteArray()));
        QVERIFY(!Crypto::equalConstantTime("abc"_ba, "abd"_ba));
        QVERIFY(!Crypto::equalConstantTime("abc"_ba, "xbc"_ba));
        QVERIFY(!Crypto::equalConstantTime("abc"_ba, "ab"_ba));
        QVERIFY(!Crypto::equalConstantTime("ab"_ba, "abc"_ba));
        QVERIFY(!Crypto::equalConstantTime("abc"_ba, QByteArray()));
        QVERIFY(!Crypto::equalConstantTime(QByteArray(), "abc"_ba));
        // Embedded NULs are data, not terminators.
        QVERIFY(!Crypto::equalConstantTime(QByteArray("a\0b", 3), QByteArray("a\0c", 3)));
        QVERIFY(Crypto::equalConstantTime(QByteArray("a\0b", 3), QByteArray("a\0b", 3)));
        const QByteArray big = Crypto::randomBytes(4096);
        QByteArray lastDiffers = big;
        lastDiffers[4095] = static_cast<char>(big.at(4095) ^ 1);
        QVERIFY(Crypto::equalConstantTime(big, QByteArray(big)));
        QVERIFY(!Crypto::equalConstantTime(big, lastDiffers));
    }

    void randomBytes()
    {
        QCOMPARE(Crypto::randomBytes(0).size(), 0);
        QCOMPARE(Crypto::randomBytes(32).size(), 32);
        QSet<QByteArray> seen;
        for (int i = 0; i < 1000; ++i)
            seen.insert(Crypto::randomBytes(16));
        QCOMPARE(seen.size(), 1000);
        // Crude sanity: 64 KiB of output uses every byte value.
        const QByteArray bulk = Crypto::randomBytes(65536);
        QSet<char> values(bulk.begin(), bulk.end());
        QCOMPARE(values.size(), 256);
    }
};

QTEST_GUILESS_MAIN(TestCrypto)
#include "TestCrypto.moc"
