// EmailAddress::normalise: what every sign-up flow stores as users.email.
#include "server/auth/EmailAddress.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TestEmailAddress : public QObject
{
    Q_OBJECT

private slots:
    void accepts_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("stored");
        QTest::newRow("plain") << u"alice@example.org"_s << u"alice@example.org"_s;
        QTest::newRow("upper case") << u"Alice.Smith@Example.ORG"_s << u"alice.smith@example.org"_s;
        QTest::newRow("surrounding spaces") << u"  bob@example.org\t"_s << u"bob@example.org"_s;
        QTest::newRow("plus tag") << u"carol+news@mail.example.co.uk"_s << u"carol+news@mail.example.co.uk"_s;
        QTest::newRow("punycode domain") << u"dave@xn--bcher-kva.example"_s << u"dave@xn--bcher-kva.example"_s;
        QTest::newRow("hyphen and digits") << u"e-1@my-host9.io"_s << u"e-1@my-host9.io"_s;
        QTest::newRow("64-char local part") << QString(64, u'a') + u"@example.org"_s
                                            << QString(64, u'a') + u"@example.org"_s;
    }
    void accepts()
    {
        QFETCH(QString, input);
        QFETCH(QString, stored);
        const auto result = EmailAddress::normalise(input);
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(*result, stored);
    }

    void refuses_data()
    {
        QTest::addColumn<QString>("input");
        QTest::newRow("empty") << QString();
        QTest::newRow("spaces only") << u"   "_s;
        QTest::newRow("no at") << u"alice.example.org"_s;
        QTest::newRow("nothing before at") << u"@example.org"_s;
        QTest::newRow("nothing after at") << u"alice@"_s;
        QTest::newRow("two ats") << u"a@b@example.org"_s;
        QTest::newRow("no tld") << u"alice@localhost"_s;
        QTest::newRow("leading dot") << u".alice@example.org"_s;
        QTest::newRow("double dot") << u"al..ice@example.org"_s;
        QTest::newRow("space inside") << u"ali ce@example.org"_s;
        QTest::newRow("quoted local part") << u"\"alice\"@example.org"_s;
        QTest::newRow("address literal") << u"alice@[127.0.0.1]"_s;
        QTest::newRow("hyphen label edge") << u"alice@-example.org"_s;
        QTest::newRow("numeric tld") << u"alice@example.123"_s;
        QTest::newRow("unicode domain") << u"alice@bücher.example"_s;
        QTest::newRow("control character") << u"ali\u0001ce@example.org"_s;
        QTest::newRow("newline injection") << u"alice@example.org\nBcc: x@evil.example"_s;
        QTest::newRow("65-char local part") << QString(65, u'a') + u"@example.org"_s;
        QTest::newRow("255 characters") << u"a@"_s + QString(240, u'b') + u".example.org"_s;
    }
    void refuses()
    {
        QFETCH(QString, input);
        const auto result = EmailAddress::normalise(input);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, u"EMAIL_INVALID"_s);
        QVERIFY(!result.error().message.isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestEmailAddress)
#include "TestEmailAddress.moc"
