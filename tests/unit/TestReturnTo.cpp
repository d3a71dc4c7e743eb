// returnTo of the social sign-in start (issue 7): only paths on Gatehouse and URLs on allowed
// origins pass; every open-redirect shape that browsers turn into another host is refused.
#include "server/oauth/ReturnTo.h"

#include <QtTest>

using namespace Qt::StringLiterals;

class TestReturnTo : public QObject
{
    Q_OBJECT

private:
    const QString m_public = u"https://id.example.org"_s;
    const QStringList m_origins{u"https://id.example.org"_s, u"https://app.example.org"_s, u"http://localhost:3000"_s};

private slots:
    void accepted_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QString() << u"https://id.example.org/ui/"_s;
        QTest::newRow("path") << u"/ui/account.html?tab=1"_s << u"https://id.example.org/ui/account.html?tab=1"_s;
        QTest::newRow("allowed origin") << u"https://app.example.org/welcome"_s << u"https://app.example.org/welcome"_s;
        QTest::newRow("allowed origin, port") << u"http://localhost:3000/x"_s << u"http://localhost:3000/x"_s;
        QTest::newRow("case of host") << u"https://APP.example.org/"_s << u"https://app.example.org/"_s;
    }
    void accepted()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        auto resolved = ReturnTo::resolve(input, m_public, m_origins);
        QVERIFY2(resolved, qPrintable(resolved ? QString() : resolved.error().message));
        QCOMPARE(*resolved, expected);
    }

    void refused_data()
    {
        QTest::addColumn<QString>("input");
        for (const char *evil :
             {"//evil.com", "///evil.com", "/\\evil.com", "\\\\evil.com", "https://evil.com", "http://localhost.evil.com",
              "http://localhost:3000.evil.com/", "https://app.example.org.evil.com/", "https://app.example.org@evil.com/",
              "https://evil.com@app.example.org/", "https://user:pw@app.example.org/", "javascript:alert(1)",
              "JavaScript:alert(1)", "data:text/html,hi", "ftp://app.example.org/", "http://app.example.org/",
              "https://app.example.org:444/", "/ui/\n/x", "/ui/ x", "https:evil.com", "http:/evil.com", "evil.com",
              "app.example.org", "https://app.example.org\\@evil.com"})
            QTest::newRow(evil) << QString::fromLatin1(evil);
        QTest::newRow("too long") << u"/"_s + QString(ReturnTo::kMaxLength, u'a');
        QTest::newRow("DEL") << u"/ui/\x7f"_s;
    }
    void refused()
    {
        QFETCH(QString, input);
        auto resolved = ReturnTo::resolve(input, m_public, m_origins);
        QVERIFY2(!resolved, qPrintable(resolved ? *resolved : QString()));
        QCOMPARE(resolved.error().code, u"RETURN_TO_NOT_ALLOWED"_s);
    }
};

QTEST_GUILESS_MAIN(TestReturnTo)
#include "TestReturnTo.moc"
