// PUT/DELETE /api/v1/me/avatar and GET /avatars/{key} over HTTP against the real gatehoused
// (issue 5 item 6): each format, the Content-Type ignored in favour of the content, every kind
// of refused upload (nothing written: same users rows, same avatar directory), the body limit of
// this route, EXIF removed, the old file deleted only when nobody uses it, serving with caching
// headers, strict keys, user:updated.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/ProfileFixtures.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace SessionFixtures;
using namespace ProfileFixtures;
using namespace Qt::StringLiterals;

class TestAvatarHttp : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    QTemporaryDir m_avatars;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    int m_users = 0;

    QSqlDatabase db() const { return m_db->database(); }
    QString signedIn(QString *userId)
    {
        *userId = insertUser(db(), u"avatar%1@example.org"_s.arg(++m_users));
        return userId->isEmpty() ? QString() : insertSession(db(), *userId);
    }
    TestHttpResponse put(const QString &token, const QByteArray &body, const QByteArray &contentType)
    {
        Headers headers = token.isEmpty() ? Headers{} : bearer(token);
        if (!contentType.isEmpty())
            headers.append({"Content-Type"_ba, contentType});
        return TestHttp::request("PUT", m_server->url(u"/api/v1/me/avatar"_s), body, headers, 30000);
    }
    static QString code(const TestHttpResponse &response)
    {
        return response.json().value(u"error"_s).toObject().value(u"code"_s).toString();
    }
    QStringList avatarFiles() const
    {
        return QDir(m_avatars.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name);
    }
    QString column(const QString &userId, const QString &name) const
    {
        return ProfileFixtures::userColumn(db(), userId, name);
    }
    QString usersSnapshot() const { return ProfileFixtures::usersSnapshot(db()); }
    // Uploads and checks the answer, the row and the file; returns the key.
    QString upload(const QString &token, const QString &userId, const QByteArray &image,
                   const QByteArray &contentType = "image/png")
    {
        const TestHttpResponse answer = put(token, image, contentType);
        if (answer.status != 200) {
            qWarning() << answer.status << answer.body;
            return {};
        }
        const QString url = answer.json().value(u"avatarUrl"_s).toString();
        const QString prefix = u"http://127.0.0.1:%1/avatars/"_s.arg(m_server->port());
        if (!url.startsWith(prefix))
            return {};
        const QString key = url.mid(prefix.size());
        if (!QRegularExpression(u"^[0-9a-f]{64}\\.png$"_s).match(key).hasMatch())
            return {};
        if (column(userId, u"avatar_url"_s) != url || column(userId, u"avatar_key"_s) != key ||
            column(userId, u"avatar_mime_type"_s) != u"image/png"_s)
            return {};
        const QFileInfo file(m_avatars.filePath(key));
        if (!file.isFile() || column(userId, u"avatar_size"_s) != QString::number(file.size()))
            return {};
        return key;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        QVERIFY(m_avatars.isValid());
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_server = std::make_unique<GatehousedProcess>(QStringList{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s,
            u"2"_s, u"--rate-limit-default"_s, u"100000/10000"_s, u"--avatar-dir"_s,
            m_avatars.path()});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server)
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
        m_server.reset();
        m_db.reset();
    }

    void eachFormatIsStoredAndServed_data()
    {
        QTest::addColumn<QByteArray>("image");
        QTest::addColumn<QByteArray>("contentType");
        QTest::newRow("png") << encode(bands(600, 200), "PNG") << "image/png"_ba;
        QTest::newRow("jpeg") << encode(bands(600, 200), "JPEG") << "image/jpeg"_ba;
        QTest::newRow("webp") << encode(bands(600, 200), "WEBP") << "image/webp"_ba;
        // The header is not what decides: these are accepted for what they are.
        QTest::newRow("png sent as jpeg") << encode(bands(300, 300), "PNG") << "image/jpeg"_ba;
        QTest::newRow("webp sent as octet-stream")
            << encode(bands(90, 300), "WEBP") << "application/octet-stream"_ba;
        QTest::newRow("jpeg without content type") << encode(bands(40, 40), "JPEG") << QByteArray();
    }
    void eachFormatIsStoredAndServed()
    {
        QFETCH(QByteArray, image);
        QFETCH(QByteArray, contentType);
        QVERIFY(!image.isEmpty());
        QString userId;
        const QString token = signedIn(&userId);
        ChannelListener events(m_redis.socketPath(), u"user:updated"_s);
        QVERIFY(events.waitSubscribed());

        const QString key = upload(token, userId, image, contentType);
        QVERIFY2(!key.isEmpty(), qPrintable(m_server->log().right(2000)));
        const QFileInfo file(m_avatars.filePath(key));
        QCOMPARE(file.permissions() & (QFile::ReadOther | QFile::WriteOther | QFile::WriteGroup),
                 QFile::ReadOther);
        QVERIFY(avatarFiles().filter(u".upload-"_s).isEmpty()); // no temporary left behind
        QFile stored(file.filePath());
        QVERIFY(stored.open(QIODevice::ReadOnly));
        const QByteArray bytes = stored.readAll();
        QCOMPARE(QImage::fromData(bytes, "PNG").size(), QSize(256, 256));
        QVERIFY(!events.waitFor(userId.toLatin1()).isEmpty());

        // Served as stored, cacheable for a year, revalidated by ETag.
        const TestHttpResponse served = TestHttp::get(m_server->url(u"/avatars/"_s + key));
        QCOMPARE(served.status, 200);
        QCOMPARE(served.body, bytes);
        QCOMPARE(served.header("Content-Type"), "image/png"_ba);
        QCOMPARE(served.header("Cache-Control"), "public, max-age=31536000, immutable"_ba);
        const QByteArray etag = served.header("ETag");
        QCOMPARE(etag, '"' + key.left(64).toLatin1() + '"');
        const TestHttpResponse again = TestHttp::request(
            "GET", m_server->url(u"/avatars/"_s + key), {}, {{"If-None-Match"_ba, etag}});
        QCOMPARE(again.status, 304);
        QVERIFY(again.body.isEmpty());

        // The profile shows it.
        const TestHttpResponse me =
            TestHttp::request("GET", m_server->url(u"/api/v1/me"_s), {}, bearer(token));
        QCOMPARE(me.json().value(u"user"_s).toObject().value(u"avatarUrl"_s).toString(),
                 column(userId, u"avatar_url"_s));
    }

    void refusedUploadsWriteNothing_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        const QByteArray png = encode(bands(300, 200), "PNG");
        const QByteArray jpeg = encode(bands(300, 200), "JPEG");
        QTest::newRow("text as png") << "I am a text file, honest.\n"_ba << "image/png"_ba << 415
                                     << u"AVATAR_UNSUPPORTED_FORMAT"_s;
        QTest::newRow("svg") << "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"_ba << "image/svg+xml"_ba
                             << 415 << u"AVATAR_UNSUPPORTED_FORMAT"_s;
        QTest::newRow("form upload") << png << "multipart/form-data; boundary=x"_ba << 415
                                     << u"AVATAR_UNSUPPORTED_FORMAT"_s;
        QTest::newRow("empty") << QByteArray() << "image/png"_ba << 400 << u"AVATAR_MISSING"_s;
        QTest::newRow("truncated png") << png.left(png.size() / 2) << "image/png"_ba << 400
                                       << u"AVATAR_TRUNCATED"_s;
        QTest::newRow("truncated jpeg") << jpeg.left(jpeg.size() - 100) << "image/jpeg"_ba << 400
                                        << u"AVATAR_TRUNCATED"_s;
        QTest::newRow("decompression bomb") << bombPng(20000, 20000) << "image/png"_ba << 400
                                            << u"AVATAR_TOO_MANY_PIXELS"_s;
        // Over max-body-size (1 MiB) but under max-avatar-size: this route takes it, then
        // judges the content.
        QTest::newRow("2 MiB of text") << QByteArray(2 * 1024 * 1024, 't') << "image/png"_ba
                                       << 415 << u"AVATAR_UNSUPPORTED_FORMAT"_s;
        QTest::newRow("over 5 MiB") << QByteArray(5 * 1024 * 1024 + 1, 'x') << "image/png"_ba
                                    << 413 << u"PAYLOAD_TOO_LARGE"_s;
    }
    void refusedUploadsWriteNothing()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, code);
        QString userId;
        const QString token = signedIn(&userId);
        QVERIFY(!token.isEmpty());
        const QString rows = usersSnapshot();
        const QStringList files = avatarFiles();

        const TestHttpResponse answer = put(token, body, contentType);
        QCOMPARE(answer.status, status);
        QCOMPARE(this->code(answer), code);
        QVERIFY(!answer.json().value(u"error"_s).toObject().value(u"message"_s).toString().isEmpty());
        QCOMPARE(usersSnapshot(), rows);
        QCOMPARE(avatarFiles(), files);
    }

    void withoutSessionIs401()
    {
        const QString rows = usersSnapshot();
        QCOMPARE(put(QString(), encode(bands(10, 10), "PNG"), "image/png").status, 401);
        QCOMPARE(TestHttp::request("DELETE", m_server->url(u"/api/v1/me/avatar"_s)).status, 401);
        QCOMPARE(put(u"not-a-token"_s, encode(bands(10, 10), "PNG"), "image/png").status, 401);
        QCOMPARE(usersSnapshot(), rows);
    }

    void exifIsRemoved()
    {
        const QByteArray marker = "GATEHOUSE-EXIF-MARKER-5a9c01";
        const QByteArray jpeg = jpegWithExif(encode(bands(400, 400), "JPEG"), marker);
        QVERIFY(jpeg.contains(marker));
        QString userId;
        const QString token = signedIn(&userId);
        const QString key = upload(token, userId, jpeg, "image/jpeg");
        QVERIFY(!key.isEmpty());
        QFile stored(m_avatars.filePath(key));
        QVERIFY(stored.open(QIODevice::ReadOnly));
        const QByteArray bytes = stored.readAll();
        QVERIFY(!bytes.contains(marker));
        QVERIFY(!bytes.contains("Exif"));
        QVERIFY(!TestHttp::get(m_server->url(u"/avatars/"_s + key)).body.contains(marker));
    }

    void oldFileGoesUnlessSomeoneElseUsesIt()
    {
        QString alice;
        QString bob;
        const QString aliceToken = signedIn(&alice);
        const QString bobToken = signedIn(&bob);
        const QByteArray first = encode(bands(120, 100), "PNG");
        const QByteArray second = encode(bands(100, 120), "PNG");
        const QByteArray shared = encode(bands(77, 77), "JPEG");

        const QString firstKey = upload(aliceToken, alice, first);
        QVERIFY(!firstKey.isEmpty());
        const QString secondKey = upload(aliceToken, alice, second);
        QVERIFY(!secondKey.isEmpty());
        QVERIFY(secondKey != firstKey);
        QVERIFY(!QFileInfo::exists(m_avatars.filePath(firstKey)));
        QCOMPARE(TestHttp::get(m_server->url(u"/avatars/"_s + firstKey)).status, 404);

        // Same picture, same key: one file for both users, kept while either uses it.
        const QString sharedKey = upload(aliceToken, alice, shared, "image/jpeg");
        QCOMPARE(upload(bobToken, bob, shared, "image/jpeg"), sharedKey);
        QVERIFY(!QFileInfo::exists(m_avatars.filePath(secondKey)));
        QCOMPARE(upload(aliceToken, alice, first), firstKey);
        QVERIFY(QFileInfo::exists(m_avatars.filePath(sharedKey)));

        // DELETE: the columns are cleared, the file goes once nobody points at it.
        ChannelListener events(m_redis.socketPath(), u"user:updated"_s);
        QVERIFY(events.waitSubscribed());
        QCOMPARE(TestHttp::request("DELETE", m_server->url(u"/api/v1/me/avatar"_s), {},
                                   bearer(bobToken)).status, 204);
        QVERIFY(!events.waitFor(bob.toLatin1()).isEmpty());
        for (const QString &name : {u"avatar_url"_s, u"avatar_key"_s, u"avatar_size"_s,
                                    u"avatar_mime_type"_s})
            QCOMPARE(column(bob, name), QString());
        QVERIFY(!QFileInfo::exists(m_avatars.filePath(sharedKey)));
        QVERIFY(QFileInfo::exists(m_avatars.filePath(firstKey)));
        // Nothing left to delete: still 204, nothing written.
        const QString rows = usersSnapshot();
        QCOMPARE(TestHttp::request("DELETE", m_server->url(u"/api/v1/me/avatar"_s), {},
                                   bearer(bobToken)).status, 204);
        QCOMPARE(usersSnapshot(), rows);
    }

    void keysAreStrict_data()
    {
        QTest::addColumn<QString>("path");
        const QString hex(64, u'a');
        QTest::newRow("unknown") << u"/avatars/"_s + hex + u".png"_s;
        QTest::newRow("upper case") << u"/avatars/"_s + hex.toUpper() + u".png"_s;
        QTest::newRow("other extension") << u"/avatars/"_s + hex + u".gif"_s;
        QTest::newRow("short") << u"/avatars/abc.png"_s;
        QTest::newRow("encoded traversal") << u"/avatars/..%2F..%2Fetc%2Fpasswd"_s;
        QTest::newRow("encoded traversal 2") << u"/avatars/%2e%2e%2f%2e%2e%2fetc%2fpasswd"_s;
        QTest::newRow("dot file") << u"/avatars/.upload-x"_s;
    }
    void keysAreStrict()
    {
        QFETCH(QString, path);
        const TestHttpResponse answer =
            TestHttp::get(QUrl(m_server->url(QString()).toString() + path, QUrl::StrictMode));
        QCOMPARE(answer.status, 404);
        QCOMPARE(answer.header("Content-Type"), "application/json"_ba);
    }
};

QTEST_GUILESS_MAIN(TestAvatarHttp)
#include "TestAvatarHttp.moc"
