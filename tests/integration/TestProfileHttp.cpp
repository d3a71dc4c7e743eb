// GET and PATCH /api/v1/me over HTTP against the real gatehoused (issue 5 item 6): the profile
// answer, every change PATCH may make, every validation error (400 naming the field, with the
// users table unchanged and no event published), and user:updated on each real change.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ProfileFixtures.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QtTest>
#include <memory>

using namespace SessionFixtures;
using namespace Qt::StringLiterals;

class TestProfileHttp : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    QString newUser()
    {
        return insertUser(db(), u"profile%1@example.org"_s.arg(++m_users));
    }
    QString signedIn(QString *userId = nullptr)
    {
        const QString id = newUser();
        if (userId)
            *userId = id;
        return id.isEmpty() ? QString() : insertSession(db(), id);
    }
    TestHttpResponse patch(const QString &token, const QByteArray &body,
                           const QByteArray &contentType = "application/json")
    {
        Headers headers = bearer(token);
        if (!contentType.isEmpty())
            headers.append({"Content-Type"_ba, contentType});
        return TestHttp::request("PATCH", m_server->url(u"/api/v1/me"_s), body, headers);
    }
    static QJsonObject errorOf(const TestHttpResponse &response)
    {
        return response.json().value(u"error"_s).toObject();
    }
    QString column(const QString &userId, const QString &name) const
    {
        return ProfileFixtures::userColumn(db(), userId, name);
    }
    QString usersSnapshot() const { return ProfileFixtures::usersSnapshot(db()); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(QStringList{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s,
            u"2"_s, u"--rate-limit-default"_s, u"100000/10000"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server)
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
        m_server.reset();
        m_db.reset();
    }

    void getAnswersTheUser()
    {
        QString userId;
        const QString token = signedIn(&userId);
        QVERIFY(!token.isEmpty());
        const TestHttpResponse answer =
            TestHttp::request("GET", m_server->url(u"/api/v1/me"_s), {}, bearer(token));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().keys(), QStringList{u"user"_s});
        const QJsonObject user = answer.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"id"_s).toString(), userId);
        QCOMPARE(user.value(u"email"_s).toString(), u"profile%1@example.org"_s.arg(m_users));
        for (const QString &key : {u"emailVerified"_s, u"phone"_s, u"phoneVerified"_s,
                                   u"firstName"_s, u"lastName"_s, u"displayName"_s, u"avatarUrl"_s,
                                   u"status"_s, u"role"_s, u"totpEnabled"_s, u"createdAt"_s,
                                   u"updatedAt"_s, u"lastLoginAt"_s, u"metadata"_s})
            QVERIFY2(user.contains(key), qPrintable(key));
        QVERIFY(user.value(u"metadata"_s).isNull());
        QVERIFY(user.value(u"displayName"_s).isNull());

        // Without a session: 401, for both methods.
        QCOMPARE(TestHttp::get(m_server->url(u"/api/v1/me"_s)).status, 401);
        QCOMPARE(patch(u""_s, QByteArray(R"({"firstName":"X"})")).status, 401);
    }

    void patchChangesEachFieldAndPublishes()
    {
        QString userId;
        const QString token = signedIn(&userId);
        QVERIFY(!token.isEmpty());
        ProfileFixtures::ChannelListener events(m_redis.socketPath(), u"user:updated"_s);
        QVERIFY(events.waitSubscribed());
        const QString updatedBefore = column(userId, u"updated_at"_s);
        QTest::qWait(20); // updated_at must move

        const QByteArray name = QByteArray("\xF0\x9F\x99\x82").repeated(50); // 50 characters
        const TestHttpResponse answer = patch(
            token, QByteArray(R"({"firstName":"  Ada ","lastName":")") + name +
                       QByteArray(R"(","displayName":"Countess","metadata":{"team":"ops","n":[1,2]}})"));
        QCOMPARE(answer.status, 200);
        const QJsonObject user = answer.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"firstName"_s).toString(), u"Ada"_s);
        QCOMPARE(user.value(u"lastName"_s).toString(), QString::fromUtf8(name));
        QCOMPARE(user.value(u"displayName"_s).toString(), u"Countess"_s);
        QCOMPARE(user.value(u"metadata"_s).toObject().value(u"team"_s).toString(), u"ops"_s);
        QCOMPARE(column(userId, u"first_name"_s), u"Ada"_s);
        QCOMPARE(column(userId, u"last_name"_s), QString::fromUtf8(name));
        QCOMPARE(column(userId, u"display_name"_s), u"Countess"_s);
        QCOMPARE(QJsonDocument::fromJson(column(userId, u"metadata"_s).toUtf8()).object(),
                 (QJsonObject{{u"team"_s, u"ops"_s}, {u"n"_s, QJsonArray{1, 2}}}));
        QVERIFY(column(userId, u"updated_at"_s) > updatedBefore);

        const QByteArray message = events.waitFor(userId.toLatin1());
        QVERIFY2(!message.isEmpty(), events.received());
        const QJsonObject event = QJsonDocument::fromJson(message).object();
        QCOMPARE(event.value(u"type"_s).toString(), u"user:updated"_s);
        QCOMPARE(event.value(u"userId"_s).toString(), userId);
        QVERIFY(!event.value(u"at"_s).toString().isEmpty());
        QVERIFY(!event.value(u"instance"_s).toString().isEmpty());

        // Only some fields: the others keep their values; null clears the optional ones.
        const TestHttpResponse cleared =
            patch(token, QByteArray(R"({"displayName":null,"metadata":null})"));
        QCOMPARE(cleared.status, 200);
        QVERIFY(cleared.json().value(u"user"_s).toObject().value(u"displayName"_s).isNull());
        QVERIFY(cleared.json().value(u"user"_s).toObject().value(u"metadata"_s).isNull());
        QCOMPARE(column(userId, u"display_name"_s), QString());
        QCOMPARE(column(userId, u"metadata"_s), QString());
        QCOMPARE(column(userId, u"first_name"_s), u"Ada"_s);

        // The cookie works too, with an allowed Origin (and only with one).
        Headers headers = cookie(token, "http://127.0.0.1:"_ba + QByteArray::number(m_server->port()));
        headers.append({"Content-Type"_ba, "application/json"_ba});
        QCOMPARE(TestHttp::request("PATCH", m_server->url(u"/api/v1/me"_s),
                                   QByteArray(R"({"lastName":"Lovelace"})"), headers).status, 200);
        QCOMPARE(column(userId, u"last_name"_s), u"Lovelace"_s);
        const QString before = usersSnapshot();
        QCOMPARE(TestHttp::request("PATCH", m_server->url(u"/api/v1/me"_s),
                                   QByteArray(R"({"lastName":"Evil"})"),
                                   {{"Cookie"_ba, "gh_session="_ba + token.toLatin1()},
                                    {"Origin"_ba, "https://evil.example"_ba},
                                    {"Content-Type"_ba, "application/json"_ba}}).status, 403);
        QCOMPARE(usersSnapshot(), before);
    }

    void invalidBodiesChangeNothing_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");
        const QByteArray json = "application/json";
        const QByteArray a51 = QByteArray(51, 'a');
        QTest::newRow("malformed") << QByteArray(R"({"firstName":)") << json << 400 << u"INVALID_JSON"_s << QString();
        QTest::newRow("no body") << QByteArray() << json << 400 << u"INVALID_JSON"_s << QString();
        QTest::newRow("array") << QByteArray(R"(["firstName"])") << json << 400 << u"INVALID_JSON"_s << QString();
        QTest::newRow("no content type") << QByteArray(R"({"firstName":"A"})") << QByteArray() << 415
                                         << u"UNSUPPORTED_MEDIA_TYPE"_s << QString();
        QTest::newRow("text/plain") << QByteArray(R"({"firstName":"A"})") << "text/plain"_ba << 415
                                    << u"UNSUPPORTED_MEDIA_TYPE"_s << QString();
        QTest::newRow("empty object") << "{}"_ba << json << 400 << u"MISSING_FIELD"_s << QString();
        QTest::newRow("firstName number") << QByteArray(R"({"firstName":5})") << json << 400
                                          << u"INVALID_FIELD"_s << u"firstName"_s;
        QTest::newRow("firstName null") << QByteArray(R"({"firstName":null})") << json << 400
                                        << u"INVALID_FIELD"_s << u"firstName"_s;
        QTest::newRow("firstName empty") << QByteArray(R"({"firstName":""})") << json << 400
                                         << u"FIELD_TOO_SHORT"_s << u"firstName"_s;
        QTest::newRow("firstName blank") << QByteArray(R"({"firstName":"   "})") << json << 400
                                         << u"FIELD_TOO_SHORT"_s << u"firstName"_s;
        QTest::newRow("firstName 51") << QByteArray(R"({"firstName":")") + a51 + QByteArray(R"("})") << json << 400
                                      << u"FIELD_TOO_LONG"_s << u"firstName"_s;
        QTest::newRow("firstName newline") << QByteArray(R"({"firstName":"a\nb"})") << json << 400
                                           << u"INVALID_FIELD"_s << u"firstName"_s;
        QTest::newRow("lastName bool") << QByteArray(R"({"lastName":true})") << json << 400
                                       << u"INVALID_FIELD"_s << u"lastName"_s;
        QTest::newRow("lastName 51") << QByteArray(R"({"lastName":")") + a51 + QByteArray(R"("})") << json << 400
                                     << u"FIELD_TOO_LONG"_s << u"lastName"_s;
        QTest::newRow("displayName 101") << QByteArray(R"({"displayName":")") + QByteArray(101, 'd') + QByteArray(R"("})")
                                         << json << 400 << u"FIELD_TOO_LONG"_s << u"displayName"_s;
        QTest::newRow("displayName array") << QByteArray(R"({"displayName":["x"]})") << json << 400
                                           << u"INVALID_FIELD"_s << u"displayName"_s;
        QTest::newRow("metadata string") << QByteArray(R"({"metadata":"x"})") << json << 400
                                         << u"INVALID_FIELD"_s << u"metadata"_s;
        QTest::newRow("metadata array") << QByteArray(R"({"metadata":[1]})") << json << 400
                                        << u"INVALID_FIELD"_s << u"metadata"_s;
        QTest::newRow("metadata 16 KiB + 1")
            << QByteArray(R"({"metadata":{"a":")") + QByteArray(16 * 1024 - 7, 'm') + QByteArray(R"("}})") << json
            << 400 << u"FIELD_TOO_LARGE"_s << u"metadata"_s;
        // A valid field beside an unknown one: nothing of it is written either.
        QTest::newRow("unknown email") << QByteArray(R"({"firstName":"Ok","email":"x@example.org"})")
                                       << json << 400 << u"UNKNOWN_FIELD"_s << u"email"_s;
        QTest::newRow("unknown role") << QByteArray(R"({"role":"admin","lastName":"Ok"})") << json << 400
                                      << u"UNKNOWN_FIELD"_s << u"role"_s;
        QTest::newRow("bad after good") << QByteArray(R"({"firstName":"Fine","lastName":7})") << json
                                        << 400 << u"INVALID_FIELD"_s << u"lastName"_s;
    }
    void invalidBodiesChangeNothing()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, field);
        QString userId;
        const QString token = signedIn(&userId);
        QVERIFY(!token.isEmpty());
        ProfileFixtures::ChannelListener events(m_redis.socketPath(), u"user:updated"_s);
        QVERIFY(events.waitSubscribed());
        const QString before = usersSnapshot();

        const TestHttpResponse answer = patch(token, body, contentType);
        QCOMPARE(answer.status, status);
        const QJsonObject error = errorOf(answer);
        QCOMPARE(error.value(u"code"_s).toString(), code);
        QVERIFY(!error.value(u"message"_s).toString().isEmpty());
        QCOMPARE(error.value(u"field"_s).toString(), field);
        if (!field.isEmpty())
            QVERIFY2(error.value(u"message"_s).toString().contains(field),
                     qPrintable(error.value(u"message"_s).toString()));
        QCOMPARE(usersSnapshot(), before);

        // The next valid change is the first event for this user: the refused one sent none.
        QCOMPARE(patch(token, QByteArray(R"({"displayName":"after"})")).status, 200);
        QVERIFY(!events.waitFor(userId.toLatin1()).isEmpty());
        // One message (its payload names the user as userId and as `by`).
        qsizetype messages = 0;
        for (const QByteArray &line : events.received().split('\n'))
            messages += line.contains(userId.toLatin1()) ? 1 : 0;
        QCOMPARE(messages, qsizetype(1));
    }

    void metadataAtTheLimitIsAccepted()
    {
        QString userId;
        const QString token = signedIn(&userId);
        // {"a":"…"} compact is exactly 16384 bytes.
        const QByteArray value(16 * 1024 - 8, 'm');
        const TestHttpResponse answer = patch(token, QByteArray(R"({"metadata":{"a":")") + value + QByteArray(R"("}})"));
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().value(u"user"_s).toObject().value(u"metadata"_s).toObject().value(u"a"_s).toString().size(), value.size());
    }
};

QTEST_GUILESS_MAIN(TestProfileHttp)
#include "TestProfileHttp.moc"
