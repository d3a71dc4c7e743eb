// TOTP across instances sharing one PostgreSQL and one Redis (issue 5): a registration started
// on one instance is confirmed on another, a sign-in started on one finishes on the other, and a
// code accepted by one is refused by the other (the replay guard lives in PostgreSQL). The
// second instance gets the first one's data-encryption key exactly as the README tells
// administrators (the file copied into its data dir, 0600, before its first start); a third
// instance with a key of its own cannot read the secrets and refuses the right code.
#include "tests/support/GatehousedProcess.h"
#include "tests/support/ScratchDatabase.h"
#include "tests/support/TestHttp.h"
#include "tests/support/TotpTestClient.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using namespace TotpTestClient;
using namespace Qt::StringLiterals;

class TestTotpInstances : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ScratchDatabase> m_db;
    QTemporaryDir m_dataA, m_dataB, m_dataC;
    std::unique_ptr<GatehousedProcess> m_a, m_b, m_c;

    QStringList arguments(const QTemporaryDir &dataDir) const
    {
        return {u"--database-url"_s, m_db->url(), u"--redis-url"_s, qEnvironmentVariable("GH_TEST_REDIS_URL"),
                u"--data-dir"_s, dataDir.path(), u"--workers"_s, u"1"_s,
                u"--rate-limit-default"_s, u"100000/10000"_s, u"--rate-limit-auth"_s, u"100000/10000"_s};
    }
    QString startLogin(GatehousedProcess &server, const QString &email)
    {
        return post(server, u"/api/v1/auth/login/totp"_s, {{u"email"_s, email}}).json().value(u"loginToken"_s).toString();
    }
    TestHttpResponse verifyLogin(GatehousedProcess &server, const QString &token, const QByteArray &code)
    {
        return post(server, u"/api/v1/auth/login/totp/verify"_s,
                    {{u"loginToken"_s, token}, {u"code"_s, QString::fromLatin1(code)}});
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(!qEnvironmentVariable("GH_TEST_REDIS_URL").isEmpty(), "GH_TEST_REDIS_URL is not set: run through scripts/test");
        m_db = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
        QVERIFY2(m_db->isValid(), qPrintable(m_db->errorString()));
        QVERIFY(m_dataA.isValid() && m_dataB.isValid() && m_dataC.isValid());
        m_a = std::make_unique<GatehousedProcess>(arguments(m_dataA));
        QVERIFY2(m_a->startAndWaitReady(), qPrintable(m_a->log()));

        // The README's procedure: copy the key file before the second instance's first start.
        const QString key = m_dataA.filePath(u"secrets/data-encryption-key"_s);
        QVERIFY2(QFile::exists(key), "the first instance did not create its data-encryption key");
        QVERIFY(QDir(m_dataB.path()).mkpath(u"secrets"_s));
        QVERIFY(QFile::setPermissions(m_dataB.filePath(u"secrets"_s),
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QVERIFY(QFile::copy(key, m_dataB.filePath(u"secrets/data-encryption-key"_s)));
        QVERIFY(QFile::setPermissions(m_dataB.filePath(u"secrets/data-encryption-key"_s),
                                      QFile::ReadOwner | QFile::WriteOwner));
        m_b = std::make_unique<GatehousedProcess>(arguments(m_dataB));
        m_c = std::make_unique<GatehousedProcess>(arguments(m_dataC));
        QVERIFY2(m_b->startAndWaitReady(), qPrintable(m_b->log()));
        QVERIFY2(m_c->startAndWaitReady(), qPrintable(m_c->log()));
    }

    void cleanupTestCase()
    {
        for (auto *server : {m_a.get(), m_b.get(), m_c.get()})
            if (server)
                QVERIFY2(server->running(), qPrintable(server->log()));
        m_a.reset();
        m_b.reset();
        m_c.reset();
        m_db.reset();
    }

    void flowsCrossInstances()
    {
        const QString email = u"instances-%1@example.org"_s.arg(QDateTime::currentMSecsSinceEpoch());
        // Started on A, confirmed on B.
        const TestHttpResponse started = post(*m_a, u"/api/v1/auth/register/totp"_s,
            {{u"email"_s, email}, {u"firstName"_s, u"Ada"_s}, {u"lastName"_s, u"Byron"_s}});
        QCOMPARE(started.status, 201);
        Account account{started.json().value(u"userId"_s).toString(), email,
                        base32Decode(started.json().value(u"totpSecret"_s).toString())};
        QCOMPARE(post(*m_b, u"/api/v1/auth/register/totp/verify"_s,
                      {{u"userId"_s, account.userId}, {u"code"_s, QString::fromLatin1(nextCode(account))}}).status, 201);

        // Sign-in started on B, finished on A.
        QString token = startLogin(*m_b, email);
        const QByteArray code = nextCode(account);
        QCOMPARE(verifyLogin(*m_a, token, code).status, 200);
        // The code A accepted is refused by B.
        token = startLogin(*m_b, email);
        const TestHttpResponse replayed = verifyLogin(*m_b, token, code);
        QCOMPARE(replayed.status, 400);
        QCOMPARE(errorCode(replayed), u"TOTP_INVALID"_s);

        // C has a key of its own: it cannot open the secret, so even the right code fails there.
        token = startLogin(*m_c, email);
        const TestHttpResponse foreign = verifyLogin(*m_c, token, nextCode(account));
        QCOMPARE(foreign.status, 400);
        QCOMPARE(errorCode(foreign), u"TOTP_INVALID"_s);
        QTRY_VERIFY(m_c->log().contains(u"totp.secret_unreadable"_s));
        account.lastStep -= 1; // not accepted: usable on B
        token = startLogin(*m_c, email);
        QCOMPARE(verifyLogin(*m_b, token, nextCode(account)).status, 200);
    }
};

QTEST_GUILESS_MAIN(TestTotpInstances)
#include "TestTotpInstances.moc"
