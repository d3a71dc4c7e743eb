// Social sign-in against a real OpenID Connect provider (npm oidc-provider, tests/e2e/oidc) on
// loopback (issue 7): one instance as a generic OIDC provider (RS256), one as an Apple-like
// provider (ES256 keys, response_mode=form_post, client secret = ES256 JWT from a .p8 key).
// The test is the browser: it follows every redirect itself and submits the provider's login
// and consent forms. Covered: registration, signing in again, linking by verified email,
// refusing unverified linking, Apple's form_post with its one-time name, replayed state,
// wrong nonce, expired ID token, wrong audience, unknown kid then key rotation, access_denied,
// the browser binding, open-redirect attempts, and /me/providers link and unlink.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/LocalRedis.h"
#include "tests/support/OAuthTestSupport.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"
#include "tests/support/TestHttp.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace OAuthTestSupport;
using namespace Qt::StringLiterals;


class TestOAuthOidc : public QObject
{
    Q_OBJECT

private:
    LocalRedis m_redis;
    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<GatehousedProcess> m_server;
    QTemporaryDir m_dataDir;
    NodeServer m_oidc;
    NodeServer m_apple;
    quint16 m_port = 0;
    quint16 m_oidcPort = 0;
    quint16 m_applePort = 0;

    QSqlDatabase db() const { return m_db->database(); }
    QUrl url(const QString &path) const { return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path)); }
    QString callbackUrl(const QString &provider) const
    {
        return u"http://127.0.0.1:%1/api/v1/auth/oauth/%2/callback"_s.arg(m_port).arg(provider);
    }
    int count(const QString &sql, const QVariantList &values = {})
    {
        QSqlQuery query(db());
        query.prepare(sql);
        for (const QVariant &value : values)
            query.addBindValue(value);
        return query.exec() && query.next() ? query.value(0).toInt() : -1;
    }
    QString snapshot() { return databaseSnapshot(db()); }
    void control(quint16 port, const QJsonObject &body)
    {
        const auto answer = TestHttp::request("POST", QUrl(u"http://127.0.0.1:%1/__test/control"_s.arg(port)),
                                              QJsonDocument(body).toJson(), {{"Content-Type"_ba, "application/json"_ba}});
        QCOMPARE(answer.status, 204);
    }

    // The provider side of a flow: from the authorize URL through the login and consent forms
    // to the callback. Returns the callback as a URL (query mode) or, for form_post, the
    // fields to POST. `abort` cancels at the login page instead (access_denied).
    struct Callback
    {
        QUrl url;
        QUrlQuery form; // form_post only
        bool formPost = false;
    };
    bool driveProvider(Browser &browser, QUrl at, const QString &login, Callback *callback, bool abort = false)
    {
        for (int hop = 0; hop < 12; ++hop) {
            const TestHttpResponse page = browser.get(at);
            if (page.status == 302 || page.status == 303) {
                const QUrl next = at.resolved(QUrl(QString::fromUtf8(page.header("Location"))));
                if (next.toString().startsWith(callbackUrl(u"oidc"_s).section(u'/', 0, 2) + u'/')) {
                    callback->url = next;
                    return true;
                }
                at = next;
                continue;
            }
            if (page.status != 200) {
                qWarning() << "provider answered" << page.status << page.body.left(400);
                return false;
            }
            // The login form (any password does) and the consent form, as a person submits them.
            const bool loginPage = page.body.contains("name=\"prompt\" value=\"login\"");
            if (loginPage && abort) {
                at = QUrl(at.toString() + u"/abort"_s);
                continue;
            }
            if (loginPage || page.body.contains("name=\"prompt\" value=\"consent\"")) {
                QUrlQuery form{{u"prompt"_s, loginPage ? u"login"_s : u"consent"_s}};
                if (loginPage)
                    form.setQueryItems({{u"prompt"_s, u"login"_s}, {u"login"_s, login}, {u"password"_s, u"any"_s}});
                const TestHttpResponse submitted = browser.postForm(at, form);
                if (submitted.status != 303 && submitted.status != 302)
                    return false;
                at = at.resolved(QUrl(QString::fromUtf8(submitted.header("Location"))));
                continue;
            }
            if (page.body.contains("<form method=\"post\"")) {
                callback->url = QUrl(formAction(page.body));
                callback->form = hiddenInputs(page.body);
                callback->formPost = true;
                return true;
            }
            qWarning() << "unexpected provider page" << page.body.left(400);
            return false;
        }
        return false;
    }

    // Start at Gatehouse, go through the provider, return the callback (not yet called).
    bool begin(Browser &browser, const QString &provider, const QString &login, Callback *callback,
               const QString &returnTo = u"/ui/account.html"_s, bool abort = false)
    {
        QUrl start = url(u"/api/v1/auth/oauth/%1/start"_s.arg(provider));
        start.setQuery(QUrlQuery{{u"returnTo"_s, returnTo}});
        const TestHttpResponse started = browser.get(start);
        if (started.status != 302) {
            qWarning() << "start answered" << started.status << started.body;
            return false;
        }
        return driveProvider(browser, QUrl(QString::fromUtf8(started.header("Location"))), login, callback, abort);
    }

    TestHttpResponse call(Browser &browser, const Callback &callback, const Headers &headers = kJson,
                          const QJsonObject &appleUser = {})
    {
        if (!callback.formPost)
            return browser.get(callback.url, headers);
        QUrlQuery form = callback.form;
        if (!appleUser.isEmpty())
            form.addQueryItem(u"user"_s, QString::fromUtf8(QJsonDocument(appleUser).toJson(QJsonDocument::Compact)));
        return browser.postForm(callback.url, form, headers);
    }

    TestHttpResponse signIn(const QString &provider, const QString &login, const QJsonObject &appleUser = {})
    {
        Browser browser;
        Callback callback;
        if (!begin(browser, provider, login, &callback))
            return {};
        return call(browser, callback, kJson, appleUser);
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
        m_oidcPort = TestHttp::freePort();
        m_applePort = TestHttp::freePort();
        QVERIFY(m_port != m_oidcPort && m_oidcPort != m_applePort && m_port != m_applePort);

        const QByteArray p8 = newP8Key();
        QVERIFY(!p8.isEmpty());
        const QString p8File = m_dataDir.filePath(u"AuthKey_KEYID12345.p8"_s);
        QFile file(p8File);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(p8) == p8.size());
        file.close();

        QVERIFY2(m_oidc.start(work, u"provider.js"_s,
                              {{u"port"_s, m_oidcPort}, {u"alg"_s, u"RS256"_s},
                               {u"clients"_s, QJsonArray{QJsonObject{{u"client_id"_s, u"gatehouse-oidc"_s},
                                                                     {u"client_secret"_s, u"oidc-client-secret+/="_s},
                                                                     {u"redirect_uris"_s, QJsonArray{callbackUrl(u"oidc"_s)}}}}}}),
                 qPrintable(m_oidc.log()));
        QVERIFY2(m_apple.start(work, u"provider.js"_s,
                               {{u"port"_s, m_applePort}, {u"alg"_s, u"ES256"_s},
                                {u"clients"_s, QJsonArray{QJsonObject{{u"client_id"_s, u"org.example.gatehouse"_s},
                                                                      {u"client_secret"_s, u"registered-at-the-provider"_s},
                                                                      {u"redirect_uris"_s, QJsonArray{callbackUrl(u"apple"_s)}}}}},
                                {u"appleSecret"_s, QJsonObject{{u"publicKeyPem"_s, QString::fromLatin1(p8)},
                                                               {u"teamId"_s, u"TEAMID1234"_s},
                                                               {u"keyId"_s, u"KEYID12345"_s}}}}),
                 qPrintable(m_apple.log()));

        QVERIFY(writeSecret(m_dataDir.filePath(u"data"_s), u"oauth-oidc-client-secret"_s, "oidc-client-secret+/="));
        m_server = std::make_unique<GatehousedProcess>(QStringList{
            u"--database-url"_s, m_db->url(), u"--redis-url"_s, m_redis.url(), u"--workers"_s, u"2"_s,
            u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port), u"--data-dir"_s, m_dataDir.filePath(u"data"_s),
            u"--secret-store"_s, u"file"_s, u"--rate-limit-default"_s, u"100000/10000"_s,
            u"--rate-limit-auth"_s, u"100000/10000"_s,
            u"--oauth-oidc-client-id"_s, u"gatehouse-oidc"_s,
            u"--oauth-oidc-issuer"_s, u"http://127.0.0.1:%1"_s.arg(m_oidcPort),
            u"--oauth-apple-client-id"_s, u"org.example.gatehouse"_s,
            u"--oauth-apple-issuer"_s, u"http://127.0.0.1:%1"_s.arg(m_applePort),
            u"--oauth-apple-team-id"_s, u"TEAMID1234"_s, u"--oauth-apple-key-id"_s, u"KEYID12345"_s,
            u"--oauth-apple-private-key-file"_s, p8File, u"--oauth-timeout"_s, u"5"_s});
        QVERIFY2(m_server->startAndWaitReady(), qPrintable(m_server->log()));
    }

    void cleanupTestCase()
    {
        if (m_server) {
            QVERIFY2(m_server->running(), qPrintable(m_server->log()));
            // No code, token or secret in the log.
            const QString log = m_server->log();
            for (const QString &line : log.split(u'\n'))
                if (line.contains(u" error "_s))
                    qWarning().noquote() << line.left(600);
            QVERIFY(!log.contains(u"oidc-client-secret"_s));
            QVERIFY(!log.contains(u"codeVerifier"_s));
        }
        m_server.reset();
        m_db.reset();
    }

    void providerList()
    {
        const auto answer = TestHttp::get(url(u"/api/v1/auth/oauth/providers"_s));
        QCOMPARE(answer.status, 200);
        QStringList names;
        for (const QJsonValue &provider : answer.json().value(u"providers"_s).toArray())
            names.append(provider.toObject().value(u"name"_s).toString());
        QCOMPARE(names, (QStringList{u"apple"_s, u"oidc"_s}));
        QCOMPARE(TestHttp::get(url(u"/api/v1/auth/oauth/github/start"_s)).status, 404);
        // The hosted pages' script that renders these buttons is served.
        const auto script = TestHttp::get(url(u"/ui/social.js"_s));
        QCOMPARE(script.status, 200);
        QVERIFY(script.body.contains("/api/v1/auth/oauth/providers"));
    }

    // state, nonce and PKCE S256 in the redirect; the Redis key as API.md describes it.
    void startStoresStateAndRedirects_data()
    {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("keyPrefix");
        QTest::newRow("oidc") << u"oidc"_s << u"oauth_state:"_s;
        QTest::newRow("apple") << u"apple"_s << u"oauth_state:apple:"_s;
    }
    void startStoresStateAndRedirects()
    {
        QFETCH(QString, provider);
        QFETCH(QString, keyPrefix);
        Browser browser;
        const auto started = browser.get(url(u"/api/v1/auth/oauth/%1/start?returnTo=%2"_s.arg(provider, u"%2Fui%2Faccount.html"_s)));
        QCOMPARE(started.status, 302);
        const QUrl location(QString::fromUtf8(started.header("Location")));
        QCOMPARE(location.port(), int(provider == u"apple" ? m_applePort : m_oidcPort));
        const QUrlQuery query(location);
        const QString state = query.queryItemValue(u"state"_s);
        QCOMPARE(state.size(), 43);
        QCOMPARE(query.queryItemValue(u"code_challenge_method"_s), u"S256"_s);
        QCOMPARE(query.queryItemValue(u"redirect_uri"_s, QUrl::FullyDecoded), callbackUrl(provider));
        QCOMPARE(query.queryItemValue(u"response_mode"_s), provider == u"apple" ? u"form_post"_s : QString());
        QVERIFY(started.header("Set-Cookie").startsWith("gh_oauth="));
        const QByteArray stored = m_redis.cli({u"GET"_s, keyPrefix + state});
        const QJsonObject json = QJsonDocument::fromJson(stored).object();
        for (const char *field : {"provider", "codeVerifier", "nonce", "returnTo", "createdAt"})
            QVERIFY2(json.contains(QLatin1String(field)), field);
        QCOMPARE(json.value(u"provider"_s).toString(), provider);
        QCOMPARE(json.value(u"returnTo"_s).toString(), url(u"/ui/account.html"_s).toString());
        QCOMPARE(json.value(u"nonce"_s).toString(), query.queryItemValue(u"nonce"_s));
        const QByteArray challenge = QCryptographicHash::hash(json.value(u"codeVerifier"_s).toString().toLatin1(),
                                                              QCryptographicHash::Sha256)
                                         .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        QCOMPARE(query.queryItemValue(u"code_challenge"_s).toLatin1(), challenge);
        const int ttl = m_redis.cli({u"TTL"_s, keyPrefix + state}).trimmed().toInt();
        QVERIFY2(ttl > 590 && ttl <= 600, QByteArray::number(ttl));
    }

    void openRedirectsRefused_data()
    {
        QTest::addColumn<QString>("returnTo");
        for (const char *evil : {"//evil.com", "https://evil.com", "http://localhost.evil.com", "/\\evil.com",
                                 "\\\\evil.com", "javascript:alert(1)", "https://127.0.0.1@evil.com",
                                 "http://127.0.0.1:1@evil.com/", "https://evil.com#@127.0.0.1", "/ui/\t/evil",
                                 "data:text/html,x", "http:/evil.com", "///evil.com"})
            QTest::newRow(evil) << QString::fromLatin1(evil);
        QTest::newRow("other port") << u"http://127.0.0.1:1/ui/"_s;
    }
    void openRedirectsRefused()
    {
        QFETCH(QString, returnTo);
        const QByteArray before = m_redis.cli({u"KEYS"_s, u"oauth_state:*"_s});
        const QUrl start = QUrl::fromEncoded(url(u"/api/v1/auth/oauth/oidc/start"_s).toEncoded() + "?returnTo=" +
                                             QUrl::toPercentEncoding(returnTo));
        Browser browser;
        const auto answer = browser.get(start);
        QCOMPARE(answer.status, 400);
        QCOMPARE(errorCode(answer), u"RETURN_TO_NOT_ALLOWED"_s);
        QVERIFY(answer.header("Location").isEmpty());
        QCOMPARE(m_redis.cli({u"KEYS"_s, u"oauth_state:*"_s}), before); // nothing stored
    }

    void registerAndSignInAgain()
    {
        const int usersBefore = count(u"SELECT count(*) FROM users"_s);
        const auto first = signIn(u"oidc"_s, u"sub-alice|Alice@Example.org|true|Alice|Anders"_s);
        QCOMPARE(first.status, 200);
        const QJsonObject user = first.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"email"_s).toString(), u"alice@example.org"_s);
        QCOMPARE(user.value(u"emailVerified"_s).toBool(), true);
        QCOMPARE(user.value(u"firstName"_s).toString(), u"Alice"_s);
        QCOMPARE(user.value(u"lastName"_s).toString(), u"Anders"_s);
        QCOMPARE(first.json().value(u"sessionToken"_s).toString().size(), 43);
        QCOMPARE(count(u"SELECT count(*) FROM users"_s), usersBefore + 1);
        QCOMPARE(count(u"SELECT count(*) FROM auth_providers WHERE type = 'oidc' AND provider_id = 'sub-alice' "
                       "AND user_id = ?::uuid"_s, {user.value(u"id"_s).toString()}), 1);

        // Again, as a browser would: 302 to returnTo with the session cookie.
        Browser browser;
        Callback callback;
        QVERIFY(begin(browser, u"oidc"_s, u"sub-alice|alice@example.org|true|Alice|Anders"_s, &callback));
        const auto second = call(browser, callback, {});
        QCOMPARE(second.status, 302);
        QCOMPARE(second.header("Location"), url(u"/ui/account.html"_s).toEncoded());
        QByteArray sessionCookie;
        for (const auto &[name, value] : second.headers)
            if (name.compare("Set-Cookie", Qt::CaseInsensitive) == 0)
                for (const QByteArray &line : value.split('\n'))
                    if (line.startsWith("gh_session="))
                        sessionCookie = line.split(';').first();
        QVERIFY2(!sessionCookie.isEmpty(), second.header("Set-Cookie"));
        const auto session = TestHttp::request("GET", url(u"/api/v1/auth/session"_s), {}, {{"Cookie"_ba, sessionCookie}});
        QCOMPARE(session.status, 200);
        QCOMPARE(session.json().value(u"user"_s).toObject().value(u"id"_s), user.value(u"id"_s));
        QCOMPARE(count(u"SELECT count(*) FROM users"_s), usersBefore + 1);

        // The state was used: the same callback again is refused and changes nothing.
        const QString before = snapshot();
        const auto replay = call(browser, callback);
        QCOMPARE(replay.status, 400);
        QCOMPARE(errorCode(replay), u"STATE_INVALID"_s);
        QCOMPARE(snapshot(), before);
    }

    void linkByVerifiedEmail()
    {
        const QString id = SessionFixtures::insertUser(db(), u"bob@example.org"_s);
        QVERIFY(SessionFixtures::exec(db(), u"UPDATE users SET email_verified = true WHERE id = ?::uuid"_s, {id}));
        const auto answer = signIn(u"oidc"_s, u"sub-bob|bob@example.org|true|Bob|B"_s);
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json().value(u"user"_s).toObject().value(u"id"_s).toString(), id);
        QCOMPARE(count(u"SELECT count(*) FROM auth_providers WHERE user_id = ?::uuid AND type = 'oidc'"_s, {id}), 1);
    }

    void refuseUnverifiedLinking_data()
    {
        QTest::addColumn<bool>("providerVerified");
        QTest::addColumn<bool>("accountVerified");
        QTest::newRow("provider does not assert") << false << true;
        QTest::newRow("account email unverified") << true << false;
    }
    void refuseUnverifiedLinking()
    {
        QFETCH(bool, providerVerified);
        QFETCH(bool, accountVerified);
        static int n = 0;
        const QString email = u"carol%1@example.org"_s.arg(++n);
        const QString id = SessionFixtures::insertUser(db(), email);
        QVERIFY(SessionFixtures::exec(db(), u"UPDATE users SET email_verified = ? WHERE id = ?::uuid"_s, {accountVerified, id}));
        const QString before = snapshot();
        const auto answer = signIn(u"oidc"_s, u"sub-carol%1|%2|%3"_s.arg(n).arg(email, providerVerified ? u"true"_s : u"false"_s));
        QCOMPARE(answer.status, 409);
        QCOMPARE(errorCode(answer), u"ACCOUNT_EXISTS"_s);
        QCOMPARE(snapshot(), before);
    }

    void unverifiedEmailRegistersUnverified()
    {
        const auto answer = signIn(u"oidc"_s, u"sub-dave|dave@example.org|false"_s);
        QCOMPARE(answer.status, 200);
        const QJsonObject user = answer.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"emailVerified"_s).toBool(), false);
        QCOMPARE(user.value(u"firstName"_s).toString(), u"dave"_s); // no names: the email's local part
    }

    void idTokenRefused_data()
    {
        QTest::addColumn<QJsonObject>("tamper");
        QTest::addColumn<QString>("code");
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QTest::newRow("wrong nonce") << QJsonObject{{u"claims"_s, QJsonObject{{u"nonce"_s, u"not-the-nonce"_s}}}}
                                     << u"ID_TOKEN_NONCE_INVALID"_s;
        QTest::newRow("expired") << QJsonObject{{u"claims"_s, QJsonObject{{u"exp"_s, now - 3600}, {u"iat"_s, now - 7200}}}}
                                 << u"ID_TOKEN_EXPIRED"_s;
        QTest::newRow("wrong audience") << QJsonObject{{u"claims"_s, QJsonObject{{u"aud"_s, u"someone-else"_s}}}}
                                        << u"ID_TOKEN_AUDIENCE_INVALID"_s;
        QTest::newRow("wrong issuer") << QJsonObject{{u"claims"_s, QJsonObject{{u"iss"_s, u"https://evil.example"_s}}}}
                                      << u"ID_TOKEN_ISSUER_INVALID"_s;
    }
    void idTokenRefused()
    {
        QFETCH(QJsonObject, tamper);
        QFETCH(QString, code);
        Browser browser;
        Callback callback;
        QVERIFY(begin(browser, u"oidc"_s, u"sub-eve|eve@example.org|true"_s, &callback));
        control(m_oidcPort, {{u"tamper"_s, tamper}});
        const QString before = snapshot();
        const auto answer = call(browser, callback);
        QCOMPARE(answer.status, 401);
        QCOMPARE(errorCode(answer), code);
        QCOMPARE(snapshot(), before);
    }

    void unknownKidThenRotation()
    {
        control(m_oidcPort, {{u"publishB"_s, false}});
        Browser browser;
        Callback callback;
        QVERIFY(begin(browser, u"oidc"_s, u"sub-frank|frank@example.org|true"_s, &callback));
        control(m_oidcPort, {{u"tamper"_s, QJsonObject{{u"kid"_s, u"B"_s}}}});
        const QString before = snapshot();
        const auto unknown = call(browser, callback);
        QCOMPARE(unknown.status, 401);
        QCOMPARE(errorCode(unknown), u"ID_TOKEN_KEY_UNKNOWN"_s);
        QCOMPARE(snapshot(), before);

        // The provider rotates to key B: the cached key set lacks it, Gatehouse fetches again
        // (no more than once per 2 s, so wait that out first).
        control(m_oidcPort, {{u"publishB"_s, true}});
        QTest::qWait(2200);
        Browser again;
        QVERIFY(begin(again, u"oidc"_s, u"sub-frank|frank@example.org|true"_s, &callback));
        control(m_oidcPort, {{u"tamper"_s, QJsonObject{{u"kid"_s, u"B"_s}}}});
        const auto rotated = call(again, callback);
        QCOMPARE(rotated.status, 200);
        QCOMPARE(rotated.json().value(u"user"_s).toObject().value(u"email"_s).toString(), u"frank@example.org"_s);
    }

    void appleFormPostKeepsTheName()
    {
        Browser browser;
        Callback callback;
        QVERIFY(begin(browser, u"apple"_s, u"apple-001|ada@example.net|true"_s, &callback));
        QVERIFY(callback.formPost);
        QCOMPARE(callback.url.toString(), callbackUrl(u"apple"_s));
        const auto answer = call(browser, callback, kJson,
                                 {{u"name"_s, QJsonObject{{u"firstName"_s, u"Ada"_s}, {u"lastName"_s, u"Lovelace"_s}}},
                                  {u"email"_s, u"ada@example.net"_s}});
        QCOMPARE(answer.status, 200);
        const QJsonObject user = answer.json().value(u"user"_s).toObject();
        QCOMPARE(user.value(u"firstName"_s).toString(), u"Ada"_s);
        QCOMPARE(user.value(u"lastName"_s).toString(), u"Lovelace"_s);
        // Later sign-ins carry no name and keep the account as it is.
        const auto again = signIn(u"apple"_s, u"apple-001|ada@example.net|true"_s);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json().value(u"user"_s).toObject().value(u"id"_s), user.value(u"id"_s));
    }

    void applePrivateRelayNeverLinks()
    {
        const QString relay = u"x7k2@privaterelay.appleid.com"_s;
        const QString id = SessionFixtures::insertUser(db(), relay);
        QVERIFY(SessionFixtures::exec(db(), u"UPDATE users SET email_verified = true WHERE id = ?::uuid"_s, {id}));
        const QString before = snapshot();
        const auto answer = signIn(u"apple"_s, u"apple-002|%1|true"_s.arg(relay));
        QCOMPARE(answer.status, 409);
        QCOMPARE(errorCode(answer), u"ACCOUNT_EXISTS"_s);
        QCOMPARE(snapshot(), before);
    }

    void accessDeniedAndHostedErrors()
    {
        Browser browser;
        Callback callback;
        QVERIFY(begin(browser, u"oidc"_s, {}, &callback, u"/ui/"_s, true));
        QCOMPARE(QUrlQuery(callback.url).queryItemValue(u"error"_s), u"access_denied"_s);
        const QString before = snapshot();
        const auto hosted = call(browser, callback, {});
        QCOMPARE(hosted.status, 302);
        QCOMPARE(hosted.header("Location"), url(u"/ui/?error=ACCESS_DENIED"_s).toEncoded());
        const auto again = call(browser, callback);
        QCOMPARE(errorCode(again), u"STATE_INVALID"_s); // the error consumed the state too
        QCOMPARE(snapshot(), before);
    }

    // A callback URL replayed in another browser (login CSRF) finds no binding cookie.
    void callbackBoundToTheBrowser()
    {
        Browser browser;
        Callback callback;
        QVERIFY(begin(browser, u"oidc"_s, u"sub-mallory|mallory@example.org|true"_s, &callback));
        const QString before = snapshot();
        Browser victim;
        const auto answer = call(victim, callback);
        QCOMPARE(answer.status, 400);
        QCOMPARE(errorCode(answer), u"STATE_INVALID"_s);
        QCOMPARE(snapshot(), before);
    }

    void callbackInputValidation()
    {
        Browser browser;
        QCOMPARE(errorCode(browser.get(url(u"/api/v1/auth/oauth/oidc/callback?code=x"_s), kJson)), u"STATE_INVALID"_s);
        QCOMPARE(errorCode(browser.get(url(u"/api/v1/auth/oauth/oidc/callback?state=a%20b&code=x"_s), kJson)), u"STATE_INVALID"_s);
        QCOMPARE(errorCode(browser.get(url(u"/api/v1/auth/oauth/oidc/callback?state=abc"_s), kJson)), u"CODE_MISSING"_s);
        const auto json = browser.request("POST", url(u"/api/v1/auth/oauth/apple/callback"_s), "{}",
                                          {{"Content-Type"_ba, "application/json"_ba}, {"Accept"_ba, "application/json"_ba}});
        QCOMPARE(json.status, 415);
    }

    void linkAndUnlinkFromTheAccount()
    {
        const auto signedIn = signIn(u"oidc"_s, u"sub-grace|grace@example.org|true|Grace|Hopper"_s);
        QCOMPARE(signedIn.status, 200);
        const QString token = signedIn.json().value(u"sessionToken"_s).toString();
        const QString userId = signedIn.json().value(u"user"_s).toObject().value(u"id"_s).toString();
        const Headers bearer = SessionFixtures::bearer(token);

        auto listed = TestHttp::request("GET", url(u"/api/v1/me/providers"_s), {}, bearer);
        QCOMPARE(listed.status, 200);
        QCOMPARE(listed.json().value(u"providers"_s).toArray().size(), 1);
        // The only way in cannot go.
        auto last = TestHttp::request("DELETE", url(u"/api/v1/me/providers/oidc"_s), {}, bearer);
        QCOMPARE(last.status, 409);
        QCOMPARE(errorCode(last), u"LAST_SIGN_IN_METHOD"_s);
        QCOMPARE(TestHttp::request("DELETE", url(u"/api/v1/me/providers/apple"_s), {}, bearer).status, 404);
        auto badBody = TestHttp::request("POST", url(u"/api/v1/me/providers/apple/start"_s), "{\"returnTo\":5}",
                                         bearer + Headers{{"Content-Type"_ba, "application/json"_ba}});
        QCOMPARE(badBody.status, 400);

        // Link Apple (a different email: linking from the account needs no email match).
        Browser browser;
        auto started = browser.request("POST", url(u"/api/v1/me/providers/apple/start"_s), {}, bearer);
        QCOMPARE(started.status, 200);
        Callback callback;
        QVERIFY(driveProvider(browser, QUrl(started.json().value(u"redirectUrl"_s).toString()),
                              u"apple-grace|grace.h@example.net|true"_s, &callback));
        const auto linked = call(browser, callback, {});
        QCOMPARE(linked.status, 302);
        QCOMPARE(linked.header("Location"), url(u"/ui/account.html"_s).toEncoded());
        QCOMPARE(count(u"SELECT count(*) FROM auth_providers WHERE user_id = ?::uuid AND type = 'apple'"_s, {userId}), 1);
        // That Apple account now signs in as Grace.
        const auto asGrace = signIn(u"apple"_s, u"apple-grace|grace.h@example.net|true"_s);
        QCOMPARE(asGrace.json().value(u"user"_s).toObject().value(u"id"_s).toString(), userId);

        listed = TestHttp::request("GET", url(u"/api/v1/me/providers"_s), {}, bearer);
        QCOMPARE(listed.json().value(u"providers"_s).toArray().size(), 2);
        QCOMPARE(TestHttp::request("DELETE", url(u"/api/v1/me/providers/oidc"_s), {}, bearer).status, 204);
        QCOMPARE(count(u"SELECT count(*) FROM auth_providers WHERE user_id = ?::uuid AND type = 'oidc'"_s, {userId}), 0);
        QCOMPARE(TestHttp::request("DELETE", url(u"/api/v1/me/providers/apple"_s), {}, bearer).status, 409);
        QCOMPARE(TestHttp::request("GET", url(u"/api/v1/me/providers"_s)).status, 401);
    }
};

QTEST_GUILESS_MAIN(TestOAuthOidc)
#include "TestOAuthOidc.moc"
