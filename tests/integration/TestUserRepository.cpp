// UserRepository against a real, migrated PostgreSQL: creating a user always creates its first
// auth_providers row in the same transaction, unique violations come back as EMAIL_TAKEN /
// PROVIDER_TAKEN (409 for the routes) with nothing written, lookups by id, email and provider,
// and the count of ways in that guards "never remove the last way to sign in".
#include "models/database/PreparedStatements.h"
#include "models/users/UserRepository.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/SessionFixtures.h"

#include <QSqlQuery>
#include <QtTest>

using namespace Qt::StringLiterals;

class TestUserRepository : public QObject
{
    Q_OBJECT

    std::unique_ptr<ScratchDatabase> m_db;
    std::unique_ptr<PreparedStatements> m_sql;

    int count(const QString &table)
    {
        QSqlQuery q(m_db->database());
        if (!q.exec(u"SELECT count(*) FROM "_s + table) || !q.next())
            return -1;
        return q.value(0).toInt();
    }
    static NewUser newUser(const QString &email)
    {
        NewUser user;
        user.id = UserRepository::newId();
        user.email = email;
        user.firstName = u"Ada"_s;
        user.lastName = u"Lovelace"_s;
        return user;
    }

private slots:
    void init()
    {
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        m_sql = std::make_unique<PreparedStatements>(m_db->database());
    }
    void cleanup()
    {
        m_sql.reset();
        m_db.reset();
    }

    void newIdsAreLowerCaseVersion4Uuids()
    {
        QSet<QString> seen;
        for (int i = 0; i < 100; ++i) {
            const QString id = UserRepository::newId();
            QVERIFY2(UserRepository::isUuid(id), qPrintable(id));
            QCOMPARE(id.at(14), u'4');
            seen.insert(id);
        }
        QCOMPARE(seen.size(), 100);
        QVERIFY(!UserRepository::isUuid(u"not-a-uuid"_s));
        QVERIFY(!UserRepository::isUuid(u"0C1D2E3F-0000-4000-8000-000000000000"_s)); // upper case
        QVERIFY(!UserRepository::isUuid(u"'; DROP TABLE users; --"_s));
    }

    void createWritesUserAndProviderTogether()
    {
        UserRepository users(*m_sql);
        NewUser user = newUser(u"ada@example.org"_s);
        user.displayName = u"Countess"_s;
        user.totpSecretEncrypted = QByteArray("\x01sealed-bytes", 13);
        auto created = users.createWithProvider(user, {u"email"_s, user.email, user.email, {}});
        QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().message));
        QCOMPARE(created->id, user.id);
        QCOMPARE(created->email, user.email);
        QCOMPARE(created->displayName, u"Countess"_s);
        QVERIFY(created->totpEnabled);
        QVERIFY(!created->emailVerified);
        QCOMPARE(created->status, u"active"_s);
        QCOMPARE(created->role, u"user"_s);
        QVERIFY(created->createdAt.isValid());
        QCOMPARE(count(u"users"_s), 1);
        QCOMPARE(count(u"auth_providers"_s), 1);

        auto byId = users.findById(user.id);
        QVERIFY(byId.ok() && byId->has_value());
        QCOMPARE((*byId)->email, user.email);
        auto byEmail = users.findByEmail(user.email);
        QVERIFY(byEmail.ok() && byEmail->has_value());
        QCOMPARE((*byEmail)->id, user.id);
        auto byProvider = users.findByProvider(u"email"_s, user.email);
        QVERIFY(byProvider.ok() && byProvider->has_value());
        QCOMPARE((*byProvider)->id, user.id);
        auto nobody = users.findByProvider(u"github"_s, user.email);
        QVERIFY(nobody.ok() && !nobody->has_value());
        auto malformed = users.findById(u"x' OR '1'='1"_s);
        QVERIFY(malformed.ok() && !malformed->has_value());
    }

    void verifiedEmailGetsItsTime()
    {
        UserRepository users(*m_sql);
        NewUser user = newUser(u"grace@example.org"_s);
        user.emailVerified = true;
        auto created = users.createWithProvider(user, {u"google"_s, u"g-123"_s, user.email, {{u"hd"_s, u"example.org"_s}}});
        QVERIFY(created.ok());
        QVERIFY(created->emailVerified);
        QSqlQuery q(m_db->database());
        QVERIFY(q.exec(u"SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL"_s) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        QVERIFY(q.exec(u"SELECT metadata->>'hd' FROM auth_providers"_s) && q.next());
        QCOMPARE(q.value(0).toString(), u"example.org"_s);
    }

    void takenEmailWritesNothing()
    {
        UserRepository users(*m_sql);
        QVERIFY(users.createWithProvider(newUser(u"ada@example.org"_s), {u"email"_s, u"ada@example.org"_s, {}, {}}).ok());
        auto again = users.createWithProvider(newUser(u"ada@example.org"_s), {u"passkey"_s, u"other"_s, {}, {}});
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, u"EMAIL_TAKEN"_s);
        QCOMPARE(count(u"users"_s), 1);
        QCOMPARE(count(u"auth_providers"_s), 1);
        // The connection is usable after the rolled-back transaction.
        QVERIFY(users.findByEmail(u"ada@example.org"_s).ok());
    }

    void takenProviderRollsBackTheUser()
    {
        UserRepository users(*m_sql);
        QVERIFY(users.createWithProvider(newUser(u"a@example.org"_s), {u"github"_s, u"42"_s, {}, {}}).ok());
        auto second = users.createWithProvider(newUser(u"b@example.org"_s), {u"github"_s, u"42"_s, {}, {}});
        QVERIFY(!second.ok());
        QCOMPARE(second.error().code, u"PROVIDER_TAKEN"_s);
        QCOMPARE(count(u"users"_s), 1); // b@ was not left behind without a way in
        QCOMPARE(count(u"auth_providers"_s), 1);
    }

    void countsWaysIn()
    {
        UserRepository users(*m_sql);
        NewUser user = newUser(u"c@example.org"_s);
        user.totpSecretEncrypted = "sealed";
        auto created = users.createWithProvider(user, {u"email"_s, user.email, {}, {}});
        QVERIFY(created.ok());
        QCOMPARE(*users.countSignInMethods(user.id), 1); // TOTP
        QVERIFY(users.addProvider(user.id, {u"github"_s, u"7"_s, {}, {}}).ok());
        QCOMPARE(*users.countSignInMethods(user.id), 2);
        QVERIFY(SessionFixtures::exec(m_db->database(),
                                      u"INSERT INTO passkey_credentials (id, user_id, public_key, device_type) "
                                      "VALUES ('cred-1', ?::uuid, 'pk', 'multiDevice')"_s, {user.id}));
        QVERIFY(users.addProvider(user.id, {u"passkey"_s, u"cred-1"_s, {}, {}}).ok());
        QCOMPARE(*users.countSignInMethods(user.id), 3); // the passkey row is not counted twice
        QVERIFY(SessionFixtures::exec(m_db->database(),
                                      u"UPDATE users SET totp_enabled = false WHERE id = ?::uuid"_s, {user.id}));
        QCOMPARE(*users.countSignInMethods(user.id), 2); // a reset TOTP is no way in
        auto taken = users.addProvider(user.id, {u"github"_s, u"7"_s, {}, {}});
        QVERIFY(!taken.ok());
        QCOMPARE(taken.error().code, u"PROVIDER_TAKEN"_s);
    }
};

QTEST_GUILESS_MAIN(TestUserRepository)
#include "TestUserRepository.moc"
