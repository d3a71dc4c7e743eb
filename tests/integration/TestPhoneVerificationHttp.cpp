// Phone numbers and SMS verification over HTTP against the real gatehoused: PUT /me/phone
// normalises to E.164 with the default region and clears the verification when the number
// changes; codes go by SMS through a Twilio-compatible gateway played by this test (a
// QTcpServer checking the form fields and basic auth, the token stored with
// `gatehoused --store-secret sms-auth-token`); a gateway failure answers 503 SMS_UNAVAILABLE
// and loses nothing; the development `log` driver writes the message to the log and warns at
// start-up; every malformed request gets 400 naming the field and changes nothing.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"
#include "tests/support/VerificationFixtures.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include <memory>

using namespace SessionFixtures;
using VerificationFixtures::errorCode;
using VerificationFixtures::errorField;
using namespace Qt::StringLiterals;

namespace {
const Headers kJson{{"Content-Type"_ba, "application/json"_ba}};
const QByteArray kSid = "AC0123456789abcdef";
const QByteArray kToken = "sms-token-\xc3\xa9-secret"; // non-ASCII on purpose

// A Twilio-compatible gateway: records each request (method, path, headers, form) and
// answers `status` (201 with a JSON body, like Twilio) — served by this test's event loop,
// which keeps spinning while TestHttp waits for gatehoused's answer.
class FakeGateway : public QObject
{
public:
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QHash<QByteArray, QByteArray> headers;
        QUrlQuery form;
    };
    QList<Request> requests;
    int status = 201;

    FakeGateway()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        Request request;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> first = lines.first().trimmed().split(' ');
        request.method = first.value(0);
        request.path = first.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return;
        QByteArray body = buffer.mid(end + 4, length).replace('+', ' ');
        request.form = QUrlQuery(QString::fromUtf8(body));
        requests.append(request);
        m_buffers.remove(socket);
        const QByteArray answer = status == 201 ? "{\"sid\":\"SM1\",\"status\":\"queued\"}" : "{\"message\":\"nope\"}";
        socket->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\n"
                      "Connection: close\r\nContent-Length: " + QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

QString formValue(const QUrlQuery &form, const QString &name)
{
    return form.queryItemValue(name, QUrl::FullyDecoded);
}
} // namespace

class TestPhoneVerificationHttp : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    FakeGateway m_gateway;
    QTemporaryDir m_dataDir;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    QStringList baseArguments() const
    {
        return {u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"2"_s,
                u"--rate-limit-auth"_s, u"100000/10000"_s, u"--rate-limit-default"_s, u"100000/10000"_s,
                u"--phone-default-region"_s, u"DE"_s};
    }

    struct Account
    {
        QString id;
        QString token;
    };
    Account newAccount()
    {
        Account account;
        account.id = insertUser(db(), u"phone%1@example.org"_s.arg(++m_users));
        account.token = insertSession(db(), account.id);
        return account;
    }
    TestHttpResponse call(const QByteArray &method, const Account &account, const QString &path,
                          const QByteArray &body = {}, GatehousedProcess *server = nullptr)
    {
        Headers headers = bearer(account.token);
        if (!body.isEmpty())
            headers.append(kJson);
        return TestHttp::request(method, (server ? server : m_server.get())->url(path), body, headers);
    }
    TestHttpResponse setPhone(const Account &account, const QString &phone, GatehousedProcess *server = nullptr)
    {
        return call("PUT", account, u"/api/v1/me/phone"_s,
                    QJsonDocument(QJsonObject{{u"phone"_s, phone}}).toJson(QJsonDocument::Compact), server);
    }
    TestHttpResponse verify(const Account &account, const QString &code, GatehousedProcess *server = nullptr)
    {
        return call("POST", account, u"/api/v1/me/phone/verify"_s,
                    QJsonDocument(QJsonObject{{u"code"_s, code}}).toJson(QJsonDocument::Compact), server);
    }
    QString column(const QString &userId, const QString &name) const
    {
        return VerificationFixtures::userColumn(db(), userId, name);
    }
    QString usersSnapshot() const
    {
        QSqlQuery query(db());
        query.exec(u"SELECT id, phone, phone_verified, phone_verified_at, updated_at FROM users ORDER BY id"_s);
        QString out;
        while (query.next())
            for (int i = 0; i < 5; ++i)
                out += query.value(i).toString() + u'|';
        return out;
    }
    QStringList redisKeys() const { return VerificationFixtures::flowKeys(m_redis); }
    static QString sixDigits(const QString &text)
    {
        static const QRegularExpression code(u"\\b(\\d{6})\\b"_s);
        return code.match(text).captured(1);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));

        // The administrator stores the gateway token: from stdin, never echoed.
        QProcess store;
        store.setProcessEnvironment(GatehousedProcess::cleanEnvironment());
        store.start(QStringLiteral(GATEHOUSED_PATH), {u"--data-dir"_s, m_dataDir.path(), u"--store-secret"_s, u"sms-auth-token"_s});
        QVERIFY(store.waitForStarted());
        store.write(kToken + '\n');
        store.closeWriteChannel();
        QVERIFY(store.waitForFinished(20000));
        const QByteArray output = store.readAllStandardOutput() + store.readAllStandardError();
        QVERIFY2(store.exitCode() == 0, output.constData());
        QVERIFY(!output.contains("sms-token"));
        QVERIFY(output.contains("stored sms-auth-token"));

        // A name that is not one of ours is refused.
        QProcess wrong;
        wrong.setProcessEnvironment(GatehousedProcess::cleanEnvironment());
        wrong.start(QStringLiteral(GATEHOUSED_PATH), {u"--data-dir"_s, m_dataDir.path(), u"--store-secret"_s, u"data-encryption-key"_s});
        wrong.closeWriteChannel();
        QVERIFY(wrong.waitForFinished(20000));
        QCOMPARE(wrong.exitCode(), 2);

        m_server = std::make_unique<GatehousedProcess>(
            baseArguments() + QStringList{u"--data-dir"_s, m_dataDir.path(), u"--sms-driver"_s, u"http"_s,
                                          u"--sms-url"_s, u"http://127.0.0.1:%1/2010-04-01/Accounts/%2/Messages.json"_s.arg(m_gateway.port()).arg(QString::fromLatin1(kSid)),
                                          u"--sms-account-sid"_s, QString::fromLatin1(kSid),
                                          u"--sms-from"_s, u"+15005550006"_s, u"--sms-timeout"_s, u"3"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server) {
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
            QVERIFY(!m_server->log().contains(u"sms-token"_s)); // the token never reaches the log
            QVERIFY(!m_server->log().contains(u"SMS to"_s));    // the http driver logs no message
        }
        m_server.reset();
        m_db.reset();
    }

    void phoneIsNormalisedAndVerifiedBySms()
    {
        const Account account = newAccount();
        const TestHttpResponse set = setPhone(account, u"030 / 1234-5678"_s);
        QCOMPARE(set.status, 200);
        QJsonObject user = set.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"phone"_s).toString(), u"+493012345678"_s);
        QCOMPARE(user.value(u"phoneVerified"_s).toBool(), false);
        QCOMPARE(column(account.id, u"phone"_s), u"+493012345678"_s);

        const int before = int(m_gateway.requests.size());
        const TestHttpResponse sent = call("POST", account, u"/api/v1/me/phone/verification"_s);
        QCOMPARE(sent.status, 202);
        QCOMPARE(sent.json().value(u"expiresInSeconds"_s).toInt(), 600);
        QCOMPARE(m_gateway.requests.size(), before + 1); // sent before the answer
        const FakeGateway::Request &request = m_gateway.requests.last();
        QCOMPARE(request.method, "POST"_ba);
        QCOMPARE(request.path, "/2010-04-01/Accounts/" + kSid + "/Messages.json");
        QCOMPARE(request.headers.value("content-type"), "application/x-www-form-urlencoded"_ba);
        QCOMPARE(request.headers.value("authorization"), "Basic " + (kSid + ':' + kToken).toBase64());
        QCOMPARE(formValue(request.form, u"To"_s), u"+493012345678"_s);
        QCOMPARE(formValue(request.form, u"From"_s), u"+15005550006"_s);
        const QString code = sixDigits(formValue(request.form, u"Body"_s));
        QVERIFY2(!code.isEmpty(), qPrintable(formValue(request.form, u"Body"_s)));

        const QJsonObject stored = QJsonDocument::fromJson(
            m_redis.cli({u"GET"_s, u"phone_verification:"_s + account.id})).object();
        QCOMPARE(stored.value(u"target"_s).toString(), u"+493012345678"_s);
        QCOMPARE(stored.value(u"attempts"_s).toInt(), 0);
        QVERIFY(!stored.value(u"codeHash"_s).toString().contains(code));

        QCOMPARE(call("POST", account, u"/api/v1/me/phone/verification"_s).status, 429);
        const QString wrong = code == u"123456"_s ? u"654321"_s : u"123456"_s;
        QCOMPARE(errorCode(verify(account, wrong)), u"CODE_INVALID"_s);
        const TestHttpResponse ok = verify(account, code);
        QCOMPARE(ok.status, 200);
        user = ok.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"phoneVerified"_s).toBool(), true);
        QVERIFY(column(account.id, u"phone_verified_at"_s) != u"<null>"_s);

        // The same number in another spelling keeps the verification; another number clears it.
        QCOMPARE(setPhone(account, u"+49 30 12345678"_s).json().value(u"user"_s).toObject().value(u"phoneVerified"_s).toBool(), true);
        QCOMPARE(column(account.id, u"phone_verified"_s), u"true"_s);
        const TestHttpResponse changed = setPhone(account, u"+44 20 7946 0958"_s);
        QCOMPARE(changed.status, 200);
        QCOMPARE(changed.json().value(u"user"_s).toObject().value(u"phone"_s).toString(), u"+442079460958"_s);
        QCOMPARE(changed.json().value(u"user"_s).toObject().value(u"phoneVerified"_s).toBool(), false);
        QCOMPARE(column(account.id, u"phone_verified"_s), u"false"_s);
        QCOMPARE(column(account.id, u"phone_verified_at"_s), u"<null>"_s);
    }

    void codeOnlyForItsNumber()
    {
        const Account account = newAccount();
        QCOMPARE(setPhone(account, u"0151 23456789"_s).status, 200);
        QCOMPARE(call("POST", account, u"/api/v1/me/phone/verification"_s).status, 202);
        const QString code = sixDigits(formValue(m_gateway.requests.last().form, u"Body"_s));
        QVERIFY(!code.isEmpty());
        QCOMPARE(setPhone(account, u"0151 23456780"_s).status, 200); // another number
        QCOMPARE(errorCode(verify(account, code)), u"CODE_INVALID"_s);
        QCOMPARE(column(account.id, u"phone_verified"_s), u"false"_s);
    }

    void gatewayFailureLosesNothing()
    {
        const Account account = newAccount();
        QCOMPARE(setPhone(account, u"+49 151 11112222"_s).status, 200);
        m_gateway.status = 500;
        const TestHttpResponse down = call("POST", account, u"/api/v1/me/phone/verification"_s);
        m_gateway.status = 201;
        QCOMPARE(down.status, 503);
        QCOMPARE(errorCode(down), u"SMS_UNAVAILABLE"_s);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"phone_verification:"_s + account.id}), "0"_ba);
        QCOMPARE(m_redis.cli({u"EXISTS"_s, u"verification_throttle:phone:"_s + account.id}), "0"_ba);
        QCOMPARE(call("POST", account, u"/api/v1/me/phone/verification"_s).status, 202);
        const QString code = sixDigits(formValue(m_gateway.requests.last().form, u"Body"_s));
        QCOMPARE(verify(account, code).status, 200);
    }

    void withoutPhone()
    {
        const Account account = newAccount();
        const TestHttpResponse answer = call("POST", account, u"/api/v1/me/phone/verification"_s);
        QCOMPARE(answer.status, 409);
        QCOMPARE(errorCode(answer), u"PHONE_MISSING"_s);
        QCOMPARE(errorCode(verify(account, u"123456"_s)), u"CODE_EXPIRED"_s);
        // Email is not configured on this server: a clear 503.
        const TestHttpResponse mail = call("POST", account, u"/api/v1/me/email/verification"_s);
        QCOMPARE(mail.status, 503);
        QCOMPARE(errorCode(mail), u"MAIL_UNAVAILABLE"_s);
    }

    void unauthenticated()
    {
        for (const QString &path : {u"/api/v1/me/phone/verification"_s, u"/api/v1/me/phone/verify"_s})
            QCOMPARE(TestHttp::request("POST", m_server->url(path), "{}", kJson).status, 401);
        QCOMPARE(TestHttp::request("PUT", m_server->url(u"/api/v1/me/phone"_s), "{\"phone\":\"+4930123456\"}", kJson).status, 401);
    }

    void malformedRequests_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");
        const QString phone = u"/api/v1/me/phone"_s;
        const QString verify = u"/api/v1/me/phone/verify"_s;
        const QString request = u"/api/v1/me/phone/verification"_s;
        QTest::newRow("phone: malformed JSON") << "PUT"_ba << phone << "{\"phone\":\"+49"_ba << u"INVALID_JSON"_s << u""_s;
        QTest::newRow("phone: missing") << "PUT"_ba << phone << "{}"_ba << u"MISSING_FIELD"_s << u"phone"_s;
        QTest::newRow("phone: number") << "PUT"_ba << phone << "{\"phone\":4930123456}"_ba << u"INVALID_FIELD"_s << u"phone"_s;
        QTest::newRow("phone: array") << "PUT"_ba << phone << "{\"phone\":[\"+49\"]}"_ba << u"INVALID_FIELD"_s << u"phone"_s;
        QTest::newRow("phone: oversize") << "PUT"_ba << phone << ("{\"phone\":\"" + QByteArray(3000, '1') + "\"}") << u"FIELD_TOO_LONG"_s << u"phone"_s;
        QTest::newRow("phone: garbage") << "PUT"_ba << phone << "{\"phone\":\"call me\"}"_ba << u"PHONE_INVALID"_s << u"phone"_s;
        QTest::newRow("phone: too short") << "PUT"_ba << phone << "{\"phone\":\"+49 30\"}"_ba << u"PHONE_INVALID"_s << u"phone"_s;
        QTest::newRow("phone: letters") << "PUT"_ba << phone << "{\"phone\":\"+49 30 12AB5678\"}"_ba << u"PHONE_INVALID"_s << u"phone"_s;
        QTest::newRow("phone: control character") << "PUT"_ba << phone << "{\"phone\":\"+49\\u000030\"}"_ba << u"INVALID_FIELD"_s << u"phone"_s;
        QTest::newRow("verify: missing") << "POST"_ba << verify << "{}"_ba << u"MISSING_FIELD"_s << u"code"_s;
        QTest::newRow("verify: wrong type") << "POST"_ba << verify << "{\"code\":true}"_ba << u"INVALID_FIELD"_s << u"code"_s;
        QTest::newRow("verify: oversize") << "POST"_ba << verify << ("{\"code\":\"" + QByteArray(100, '7') + "\"}") << u"FIELD_TOO_LONG"_s << u"code"_s;
        QTest::newRow("verify: malformed") << "POST"_ba << verify << "nonsense"_ba << u"INVALID_JSON"_s << u""_s;
        QTest::newRow("request: malformed") << "POST"_ba << request << "{]"_ba << u"INVALID_JSON"_s << u""_s;
    }

    void malformedRequests()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        QFETCH(QString, field);
        const Account account = newAccount();
        QCOMPARE(setPhone(account, u"+49 30 5555666"_s).status, 200);
        QCOMPARE(call("POST", account, u"/api/v1/me/phone/verification"_s).status, 202);
        const QString users = usersSnapshot();
        const QStringList keys = redisKeys();
        const QByteArray stored = m_redis.cli({u"GET"_s, u"phone_verification:"_s + account.id});
        const int sms = int(m_gateway.requests.size());
        const TestHttpResponse answer = call(method, account, path, body);
        QCOMPARE(answer.status, 400);
        QCOMPARE(errorCode(answer), code);
        QCOMPARE(answer.json().value(u"error"_s).toObject().value(u"field"_s).toString(), field);
        QCOMPARE(usersSnapshot(), users);
        QCOMPARE(redisKeys(), keys);
        QCOMPARE(m_redis.cli({u"GET"_s, u"phone_verification:"_s + account.id}), stored);
        QCOMPARE(m_gateway.requests.size(), sms);
    }

    void logDriverForDevelopment()
    {
        GatehousedProcess server(baseArguments() + QStringList{u"--sms-driver"_s, u"log"_s});
        QVERIFY2(server.startAndWaitReady(), qPrintable(server.log()));
        QVERIFY2(server.log().contains(u"sms.log_driver"_s) && server.log().contains(u"development only"_s),
                 qPrintable(server.log()));
        const Account account = newAccount();
        QCOMPARE(setPhone(account, u"+49 30 7777888"_s, &server).status, 200);
        QCOMPARE(call("POST", account, u"/api/v1/me/phone/verification"_s, {}, &server).status, 202);
        static const QRegularExpression line(u"SMS to \\+49307777888: (\\d{6}) is your"_s);
        QString code;
        QTRY_VERIFY((code = line.match(server.log()).captured(1), !code.isEmpty()));
        QCOMPARE(verify(account, code, &server).status, 200);
        QCOMPARE(column(account.id, u"phone_verified"_s), u"true"_s);
    }
};

QTEST_GUILESS_MAIN(TestPhoneVerificationHttp)
#include "TestPhoneVerificationHttp.moc"
