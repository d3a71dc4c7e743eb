// Phone numbers as people type them, normalised to E.164 with libphonenumber
// (server/delivery/PhoneNumbers): national numbers with a default region, international ones
// in any punctuation, and what must be refused (garbage, too short, letters, no region).
#include "server/delivery/PhoneNumbers.h"

#include <QtTest>

using namespace Qt::StringLiterals;

class TestPhoneNumbers : public QObject
{
    Q_OBJECT

private slots:
    void normalise_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("region");
        QTest::addColumn<QString>("expected"); // empty: PHONE_INVALID

        // National formats with a default region.
        QTest::newRow("DE national") << u"030 12345678"_s << u"DE"_s << u"+493012345678"_s;
        QTest::newRow("DE mobile national") << u"0151 23456789"_s << u"DE"_s << u"+4915123456789"_s;
        QTest::newRow("DE slashes") << u"0151/234 567 89"_s << u"DE"_s << u"+4915123456789"_s;
        QTest::newRow("US parentheses and dashes") << u"(202) 555-0143"_s << u"US"_s << u"+12025550143"_s;
        QTest::newRow("US dots") << u"202.555.0143"_s << u"US"_s << u"+12025550143"_s;
        QTest::newRow("GB national") << u"020 7946 0958"_s << u"GB"_s << u"+442079460958"_s;
        QTest::newRow("region lower case") << u"030 12345678"_s << u"de"_s << u"+493012345678"_s;
        // International formats: the region does not matter.
        QTest::newRow("E.164 as is") << u"+4915123456789"_s << u""_s << u"+4915123456789"_s;
        QTest::newRow("international with spaces") << u"+49 151 23456789"_s << u""_s << u"+4915123456789"_s;
        QTest::newRow("international with (0)") << u"+49 (0)30 12345678"_s << u""_s << u"+493012345678"_s;
        QTest::newRow("international dashes") << u"+1-202-555-0143"_s << u"DE"_s << u"+12025550143"_s;
        QTest::newRow("00 prefix from DE") << u"0044 20 7946 0958"_s << u"DE"_s << u"+442079460958"_s;
        QTest::newRow("surrounding spaces") << u"  +44 20 7946 0958 "_s << u""_s << u"+442079460958"_s;
        // Refused.
        QTest::newRow("national without region") << u"030 12345678"_s << u""_s << u""_s;
        QTest::newRow("garbage") << u"hello"_s << u"DE"_s << u""_s;
        QTest::newRow("punctuation only") << u"+-()"_s << u"DE"_s << u""_s;
        QTest::newRow("letters in number") << u"+49 30 1234ABC"_s << u"DE"_s << u""_s;
        QTest::newRow("vanity letters") << u"1-800-FLOWERS"_s << u"US"_s << u""_s;
        QTest::newRow("too short") << u"+49 30"_s << u""_s << u""_s;
        QTest::newRow("too short national") << u"12"_s << u"DE"_s << u""_s;
        QTest::newRow("too long") << u"+49 30 1234567890123456"_s << u""_s << u""_s;
        QTest::newRow("over the input limit") << (u"+49 "_s + QString(40, u'1')) << u""_s << u""_s;
        QTest::newRow("unknown country code") << u"+999 1234567"_s << u""_s << u""_s;
        QTest::newRow("invalid for its country") << u"+1 000 555 0143"_s << u""_s << u""_s;
        QTest::newRow("empty") << u""_s << u"DE"_s << u""_s;
        QTest::newRow("non-ASCII digits") << u"+49 ٣٠ 12345678"_s << u""_s << u""_s;
        QTest::newRow("newline inside") << u"+49 30\n12345678"_s << u""_s << u""_s;
    }

    void normalise()
    {
        QFETCH(QString, input);
        QFETCH(QString, region);
        QFETCH(QString, expected);
        const Result<QString> result = PhoneNumbers::normalise(input, region);
        if (expected.isEmpty()) {
            QVERIFY2(!result, qPrintable(result ? *result : QString()));
            QCOMPARE(result.error().code, u"PHONE_INVALID"_s);
            QVERIFY(result.error().message.startsWith(u"phone "_s));
            // The message never echoes what was typed.
            if (input.trimmed().size() > 3)
                QVERIFY(!result.error().message.contains(input.trimmed()));
        } else {
            QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
            QCOMPARE(*result, expected);
            // Normalising the E.164 form again changes nothing, with or without a region.
            QCOMPARE(*PhoneNumbers::normalise(*result, QString()), expected);
        }
    }

    void displayForm()
    {
        QCOMPARE(PhoneNumbers::formatInternational(u"+493012345678"_s), u"+49 30 12345678"_s);
        QCOMPARE(PhoneNumbers::formatInternational(u"nonsense"_s), u"nonsense"_s);
    }
};

QTEST_GUILESS_MAIN(TestPhoneNumbers)
#include "TestPhoneNumbers.moc"
