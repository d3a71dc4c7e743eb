// `gatehoused --rotate-jwt-key`: a new signing key in the instance's secret store; the next
// start (or a running server within a minute) publishes it, and the previous key stays in the
// JWKS so tokens it signed remain verifiable until they expire.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/IndependentEs256.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

class TestJwtRotationCli : public QObject
{
    Q_OBJECT

    static QStringList kids(const TestHttpResponse &jwks)
    {
        QStringList out;
        for (const QJsonValue &key : jwks.json().value(QStringLiteral("keys")).toArray())
            out.append(key.toObject().value(QStringLiteral("kid")).toString());
        return out;
    }

private slots:
    void rotationKeepsThePreviousKeyVerifiable()
    {
        ScratchDatabase db(ScratchDatabase::Schema::Empty);
        QVERIFY2(db.isValid(), qPrintable(db.errorString()));
        QTemporaryDir dataDir;
        const QStringList base{QStringLiteral("--data-dir"), dataDir.path(),
                               QStringLiteral("--database-url"), db.url(),
                               QStringLiteral("--redis-url"), qEnvironmentVariable("GH_TEST_REDIS_URL"),
                               QStringLiteral("--workers"), QStringLiteral("1")};
        QString oldToken;
        QString oldKid;
        {
            GatehousedProcess server(base);
            QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
            const QStringList before = kids(TestHttp::get(server.url(QStringLiteral("/.well-known/jwks.json"))));
            QCOMPARE(before.size(), 1);
            oldKid = before.first();
            const QString userId = SessionFixtures::insertUser(db.database(), QStringLiteral("rot@example.org"));
            const QString session = SessionFixtures::insertSession(db.database(), userId);
            QVERIFY(!session.isEmpty());
            const TestHttpResponse issued = TestHttp::request(
                "POST", server.url(QStringLiteral("/api/v1/auth/token")), {}, SessionFixtures::bearer(session));
            QCOMPARE(issued.status, 200);
            oldToken = issued.json().value(QStringLiteral("accessToken")).toString();
            server.terminate();
            QVERIFY(server.waitForExit(30000));
        }

        QProcess rotate;
        rotate.setProcessEnvironment(GatehousedProcess::cleanEnvironment());
        rotate.start(QStringLiteral(GATEHOUSED_PATH), QStringList(base) << QStringLiteral("--rotate-jwt-key"));
        QVERIFY(rotate.waitForFinished(30000));
        const QString out = QString::fromUtf8(rotate.readAllStandardOutput());
        QVERIFY2(rotate.exitCode() == 0, qPrintable(out + QString::fromUtf8(rotate.readAllStandardError())));
        QVERIFY2(out.contains(QStringLiteral("new signing key")), qPrintable(out));
        QVERIFY2(!out.contains(oldKid), "the new kid differs from the old one");

        GatehousedProcess restarted(base);
        QVERIFY2(restarted.startAndWaitReady(), qPrintable(restarted.log()));
        const QStringList after = kids(TestHttp::get(restarted.url(QStringLiteral("/.well-known/jwks.json"))));
        QCOMPARE(after.size(), 2);
        QVERIFY(after.contains(oldKid));
        const QString newKid = after.at(after.first() == oldKid ? 1 : 0);
        QVERIFY2(out.contains(newKid), qPrintable(out));
        // A token signed before the rotation still verifies against the JWKS served now.
        const TestHttpResponse jwks = TestHttp::get(restarted.url(QStringLiteral("/.well-known/jwks.json")));
        QVERIFY(IndependentEs256::verify(oldToken, jwks.body));
    }
};

QTEST_GUILESS_MAIN(TestJwtRotationCli)
#include "TestJwtRotationCli.moc"
