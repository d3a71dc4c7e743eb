// Social sign-in with GitHub and Google (issue 7), through small local stand-ins for their
// OAuth, token and user endpoints (tests/e2e/oidc/standins.js) because their real servers cannot
// run here. The stand-ins check what the real ones check (client secret, PKCE verifier,
// redirect URI, bearer token), and can misbehave on request: slow, malformed, refusing,
// hanging up. Also: a provider that is down, and GitHub's unverified primary email.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/OAuthTestSupport.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace OAuthTestSupport;
using namespace Qt::StringLiterals;


class TestOAuthStandIns : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    QTemporaryDir m_dataDir;
    NodeServer m_standIns;
    quint16 m_port = 0;
    quint16 m_standInPort = 0;

    QSqlDatabase db() const { return m_db->database(); }
    QUrl url(const QString &path) const { return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path)); }
    QString snapshot() { return databaseSnapshot(db()); }
    void next(const QJsonObject &user, const QString &token = u"ok"_s)
    {
        const auto answer = TestHttp::request("POST", QUrl(u"http://127.0.0.1:%1/__test/next"_s.arg(m_standInPort)),
                                              QJsonDocument(QJsonObject{{u"user"_s, user}, {u"token"_s, token}}).toJson(),
                                              {{"Content-Type"_ba, "application/json"_ba}});
        QCOMPARE(answer.status, 204);
    }
    // start → the stand-in's authorize endpoint → the callback, answered as JSON.
    TestHttpResponse signIn(const QString &provider, const QJsonObject &user, const QString &token = u"ok"_s)
    {
        next(user, token);
        Browser browser;
        const auto started = browser.get(url(u"/api/v1/auth/oauth/%1/start"_s.arg(provider)));
        if (started.status != 302)
            return started;
        const auto authorized = browser.get(QUrl(QString::fromUtf8(started.header("Location"))));
        if (authorized.status != 302)
            return authorized;
        return browser.get(QUrl(QString::fromUtf8(authorized.header("Location"))), kJson);
    }

private slots:
    void initTestCase()
    {
        const QString work = QStringLiteral(GATEHOUSE_OIDC_WORK_DIR);
        const QString prepared = prepareNode(work);
        QVERIFY2(prepared.isEmpty(), qPrintable(prepared));
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_port = TestHttp::freePort();
        m_standInPort = TestHttp::freePort();
        const quint16 closedPort = TestHttp::freePort(); // nothing listens there: a provider that is down
        QVERIFY2(m_standIns.start(work, u"standins.js"_s,
                                  {{u"port"_s, m_standInPort}, {u"clientId"_s, u"standin-client"_s},
                                   {u"clientSecret"_s, u"standin secret&+="_s}}),
                 qPrintable(m_standIns.log()));
        const QString data = m_dataDir.filePath(u"data"_s);
        QVERIFY(writeSecret(data, u"oauth-github-client-secret"_s, "standin secret&+="));
        QVERIFY(writeSecret(data, u"oauth-google-client-secret"_s, "standin secret&+="));
        const QString base = u"http://127.0.0.1:%1"_s.arg(m_standInPort);
        m_server = std::make_unique<GatehousedProcess>(QStringList{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"2"_s,
            u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port), u"--data-dir"_s, data, u"--secret-store"_s, u"file"_s,
            u"--rate-limit-default"_s, u"100000/10000"_s, u"--rate-limit-auth"_s, u"100000/10000"_s,
            u"--oauth-github-client-id"_s, u"standin-client"_s, u"--oauth-github-url"_s, base,
            u"--oauth-github-api-url"_s, base + u"/api"_s,
            u"--oauth-google-client-id"_s, u"standin-client"_s, u"--oauth-google-issuer"_s, base + u"/google"_s,
            u"--oauth-oidc-client-id"_s, u"down-client"_s,
            u"--oauth-oidc-issuer"_s, u"http://127.0.0.1:%1"_s.arg(closedPort),
            u"--oauth-timeout"_s, u"1"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server) {
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
            QVERIFY(!m_server->log().contains(u"standin secret"_s));
            // The workers' network managers (made on first use) go away cleanly with them.
            m_server->terminate();
            QVERIFY(m_server->waitForExit(15000));
            QCOMPARE(m_server->exitStatus(), QProcess::NormalExit);
            QCOMPARE(m_server->exitCode(), 0);
        }
        m_server.reset();
        m_db.reset();
    }

    void githubUsesThePrimaryVerifiedEmail()
    {
        const auto answer = signIn(u"github"_s,
                                   {{u"id"_s, 4242}, {u"login"_s, u"octocat"_s}, {u"name"_s, u"Mona Lisa Octocat"_s},
                                    {u"emails"_s, QJsonArray{QJsonObject{{u"email"_s, u"old@example.org"_s}, {u"primary"_s, false}, {u"verified"_s, true}},
                                                             QJsonObject{{u"email"_s, u"Mona@Example.org"_s}, {u"primary"_s, true}, {u"verified"_s, true}}}}});
        QCOMPARE(answer.status, 200);
        const QJsonObject user = answer.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"email"_s).toString(), u"mona@example.org"_s);
        QCOMPARE(user.value(u"emailVerified"_s).toBool(), true);
        QCOMPARE(user.value(u"firstName"_s).toString(), u"Mona Lisa"_s);
        QCOMPARE(user.value(u"lastName"_s).toString(), u"Octocat"_s);
        QSqlQuery query(db());
        query.prepare(u"SELECT provider_id, email FROM auth_providers WHERE type = 'github' AND user_id = ?::uuid"_s);
        query.addBindValue(user.value(u"id"_s).toString());
        QVERIFY(query.exec() && query.next());
        QCOMPARE(query.value(0).toString(), u"4242"_s);
        QCOMPARE(query.value(1).toString(), u"mona@example.org"_s);

        // Signing in again finds the account by GitHub's id, whatever the email is now.
        const auto again = signIn(u"github"_s,
                                  {{u"id"_s, 4242}, {u"login"_s, u"octocat"_s},
                                   {u"emails"_s, QJsonArray{QJsonObject{{u"email"_s, u"new@example.org"_s}, {u"primary"_s, true}, {u"verified"_s, true}}}}});
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json().value(u"user"_s).toObject().value(u"id"_s), user.value(u"id"_s));
    }

    // GitHub's primary email not verified (a verified secondary one does not count): no email,
    // so no account; nothing written. And a verified account of that address is not linked.
    void githubUnverifiedPrimaryEmail()
    {
        const QString id = SessionFixtures::insertUser(db(), u"unverified@example.org"_s);
        QVERIFY(SessionFixtures::exec(db(), u"UPDATE users SET email_verified = true WHERE id = ?::uuid"_s, {id}));
        const QString before = snapshot();
        const auto answer = signIn(u"github"_s,
                                   {{u"id"_s, 777}, {u"login"_s, u"sneaky"_s},
                                    {u"emails"_s, QJsonArray{QJsonObject{{u"email"_s, u"unverified@example.org"_s}, {u"primary"_s, true}, {u"verified"_s, false}},
                                                             QJsonObject{{u"email"_s, u"other@example.org"_s}, {u"primary"_s, false}, {u"verified"_s, true}}}}});
        QCOMPARE(answer.status, 400);
        QCOMPARE(errorCode(answer), u"EMAIL_REQUIRED"_s);
        QCOMPARE(snapshot(), before);
    }

    void googleRegistersAndRefusesUnverifiedLinking()
    {
        const auto answer = signIn(u"google"_s, {{u"sub"_s, u"1098"_s}, {u"email"_s, u"gina@example.org"_s},
                                                 {u"email_verified"_s, true}, {u"given_name"_s, u"Gina"_s},
                                                 {u"family_name"_s, u"Gomez"_s}});
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().value(u"user"_s).toObject().value(u"lastName"_s).toString(), u"Gomez"_s);

        const QString id = SessionFixtures::insertUser(db(), u"henry@example.org"_s);
        QVERIFY(SessionFixtures::exec(db(), u"UPDATE users SET email_verified = true WHERE id = ?::uuid"_s, {id}));
        const QString before = snapshot();
        const auto refused = signIn(u"google"_s, {{u"sub"_s, u"2001"_s}, {u"email"_s, u"henry@example.org"_s},
                                                  {u"email_verified"_s, false}});
        QCOMPARE(refused.status, 409);
        QCOMPARE(errorCode(refused), u"ACCOUNT_EXISTS"_s);
        QCOMPARE(snapshot(), before);
    }

    void malformedTokenAnswers_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("behaviour");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        for (const QString &provider : {u"github"_s, u"google"_s}) {
            QTest::addRow("%s truncated JSON", qPrintable(provider)) << provider << u"garbage"_s << 502 << u"PROVIDER_RESPONSE_INVALID"_s;
            QTest::addRow("%s HTML", qPrintable(provider)) << provider << u"html"_s << 502 << u"PROVIDER_RESPONSE_INVALID"_s;
            QTest::addRow("%s no token", qPrintable(provider)) << provider << u"no-token"_s << 502 << u"PROVIDER_RESPONSE_INVALID"_s;
            QTest::addRow("%s invalid_grant", qPrintable(provider)) << provider << u"invalid_grant"_s << 400 << u"PROVIDER_ERROR"_s;
            QTest::addRow("%s error with 200", qPrintable(provider)) << provider << u"error-200"_s << 400 << u"PROVIDER_ERROR"_s;
            QTest::addRow("%s hangs up", qPrintable(provider)) << provider << u"close"_s << 502 << u"PROVIDER_UNAVAILABLE"_s;
        }
    }
    void malformedTokenAnswers()
    {
        QFETCH(QString, provider);
        QFETCH(QString, behaviour);
        QFETCH(int, status);
        QFETCH(QString, code);
        const QString before = snapshot();
        const QJsonObject user = provider == u"github"
                                     ? QJsonObject{{u"id"_s, 9}, {u"login"_s, u"x"_s}, {u"emails"_s, QJsonArray{}}}
                                     : QJsonObject{{u"sub"_s, u"9"_s}, {u"email"_s, u"x@example.org"_s}, {u"email_verified"_s, true}};
        const auto answer = signIn(provider, user, behaviour);
        QCOMPARE(answer.status, status);
        QCOMPARE(errorCode(answer), code);
        QCOMPARE(snapshot(), before);
    }

    void slowProviderTimesOut()
    {
        const QString before = snapshot();
        QElapsedTimer timer;
        timer.start();
        const auto answer = signIn(u"google"_s, {{u"sub"_s, u"5"_s}}, u"slow"_s);
        QCOMPARE(answer.status, 504);
        QCOMPARE(errorCode(answer), u"PROVIDER_TIMEOUT"_s);
        QVERIFY2(timer.elapsed() < 4000, QByteArray::number(timer.elapsed())); // oauth-timeout = 1 s, not the 5 s the provider takes
        QCOMPARE(snapshot(), before);
        // The worker was never blocked: other requests were answered meanwhile (and now).
        QCOMPARE(TestHttp::get(url(u"/healthz"_s)).status, 200);
    }

    void providerDown()
    {
        const QByteArray keys = m_redis.cli({u"KEYS"_s, u"oauth_state:*"_s});
        Browser browser;
        const auto json = browser.get(url(u"/api/v1/auth/oauth/oidc/start"_s), kJson);
        QCOMPARE(json.status, 502);
        QCOMPARE(errorCode(json), u"PROVIDER_UNAVAILABLE"_s);
        const auto hosted = browser.get(url(u"/api/v1/auth/oauth/oidc/start"_s));
        QCOMPARE(hosted.status, 302);
        QCOMPARE(hosted.header("Location"), url(u"/ui/?error=PROVIDER_UNAVAILABLE"_s).toEncoded());
        QCOMPARE(m_redis.cli({u"KEYS"_s, u"oauth_state:*"_s}), keys);
    }
};

QTEST_GUILESS_MAIN(TestOAuthStandIns)
#include "TestOAuthStandIns.moc"
