// The pure parts of the passkey flows: the relying party derived from Config (rp-id default,
// origins, user verification, cross-origin, counter policy), the options JSON, the decoy
// credentials for addresses without passkeys, and the age check of a stored challenge.
#include "server/config/Config.h"
#include "server/passkeys/PasskeyChallenges.h"
#include "server/passkeys/PasskeyOptions.h"
#include "server/passkeys/PasskeySettings.h"

#include <QJsonArray>
#include <QUuid>
#include <QtTest>

using namespace Qt::StringLiterals;

class TestPasskeyOptions : public QObject
{
    Q_OBJECT

private slots:
    void rpIdDefaults_data()
    {
        QTest::addColumn<QString>("publicUrl");
        QTest::addColumn<QString>("rpId");
        QTest::addColumn<QString>("expected");
        QTest::newRow("loopback IPv4") << QString() << QString() << u"localhost"_s;
        QTest::newRow("loopback IPv6") << u"http://[::1]:8600"_s << QString() << u"localhost"_s;
        QTest::newRow("public host") << u"https://ID.Example.org/"_s << QString() << u"id.example.org"_s;
        QTest::newRow("explicit wins") << u"https://id.example.org"_s << u"example.org"_s << u"example.org"_s;
    }
    void rpIdDefaults()
    {
        QFETCH(QString, publicUrl);
        QFETCH(QString, rpId);
        QFETCH(QString, expected);
        Config config;
        config.publicUrl = publicUrl;
        config.rpId = rpId;
        QCOMPARE(PasskeySettings::effectiveRpId(config), expected);
    }

    void settingsFromConfig()
    {
        Config config;
        config.publicUrl = u"https://id.example.org"_s;
        config.origins = {u"https://id.example.org"_s, u"https://app.example.org"_s};
        PasskeySettings settings = PasskeySettings::fromConfig(config);
        QCOMPARE(settings.rp.origins, config.origins);
        QCOMPARE(settings.rp.userVerification, WebAuthn::UserVerification::Preferred);
        QVERIFY(!settings.rp.allowCrossOrigin);
        QVERIFY(settings.refuseCounterRegression);
        QCOMPARE(settings.attestation, u"none"_s);

        config.webauthnUserVerification = u"required"_s;
        config.webauthnCrossOrigin = {u"https://portal.example.org"_s};
        config.webauthnCounterPolicy = u"allow"_s;
        config.webauthnAttestation = u"direct"_s;
        settings = PasskeySettings::fromConfig(config);
        QCOMPARE(settings.rp.userVerification, WebAuthn::UserVerification::Required);
        QCOMPARE(settings.userVerification, u"required"_s);
        QVERIFY(settings.rp.allowCrossOrigin);
        QCOMPARE(settings.rp.topOrigins, config.webauthnCrossOrigin);
        QVERIFY(!settings.refuseCounterRegression);
        QCOMPARE(settings.attestation, u"direct"_s);
    }

    void creationOptions()
    {
        PasskeySettings settings;
        settings.rp.rpId = u"id.example.org"_s;
        const QString userId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        PasskeyOptions::NewCredentialFor user;
        user.userHandle = PasskeyOptions::userHandleFor(userId);
        user.name = u"ada@example.org"_s;
        user.displayName = u"Ada"_s;
        user.exclude = {{u"AAAA"_s, {u"usb"_s}}};
        const QByteArray challenge = PasskeyOptions::newChallenge();
        QCOMPARE(challenge.size(), 32);
        QVERIFY(PasskeyOptions::newChallenge() != challenge);
        const QJsonObject options = PasskeyOptions::creation(settings, challenge, user);
        QCOMPARE(options.value(u"user"_s).toObject().value(u"id"_s).toString(),
                 QString::fromLatin1(QUuid::fromString(userId).toRfc4122().toBase64(
                     QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
        QCOMPARE(options.value(u"challenge"_s).toString(),
                 QString::fromLatin1(challenge.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
        QCOMPARE(options.value(u"timeout"_s).toInt(), 300000);
        const QJsonObject excluded = options.value(u"excludeCredentials"_s).toArray().first().toObject();
        QCOMPARE(excluded.value(u"type"_s).toString(), u"public-key"_s);
        QCOMPARE(excluded.value(u"transports"_s).toArray(), QJsonArray{u"usb"_s});
        QVERIFY(PasskeyOptions::userHandleFor(u"not-a-uuid"_s).isEmpty());

        const QJsonObject request = PasskeyOptions::request(settings, challenge, {});
        QCOMPARE(request.value(u"rpId"_s).toString(), u"id.example.org"_s);
        QVERIFY(request.value(u"allowCredentials"_s).toArray().isEmpty());
        QCOMPARE(request.value(u"userVerification"_s).toString(), u"preferred"_s);
    }

    void decoysAreStablePerAddressAndKey()
    {
        const QByteArray key(32, 'k');
        const auto first = PasskeyOptions::decoys(key, u"nobody@example.org"_s);
        QVERIFY(first.size() == 1 || first.size() == 2);
        const auto again = PasskeyOptions::decoys(key, u"nobody@example.org"_s);
        QCOMPARE(again.size(), first.size());
        for (int i = 0; i < first.size(); ++i) {
            QCOMPARE(again.at(i).id, first.at(i).id);
            QVERIFY(first.at(i).id.size() == 22 || first.at(i).id.size() == 43); // 16 or 32 bytes
            QVERIFY(!first.at(i).transports.isEmpty());
        }
        QVERIFY(PasskeyOptions::decoys(key, u"other@example.org"_s).first().id != first.first().id);
        QVERIFY(PasskeyOptions::decoys(QByteArray(32, 'x'), u"nobody@example.org"_s).first().id != first.first().id);
        // Over many addresses both counts and both kinds turn up, as real accounts vary.
        QSet<qsizetype> counts, lengths;
        for (int i = 0; i < 64; ++i)
            for (const auto &decoy : PasskeyOptions::decoys(key, u"user%1@example.org"_s.arg(i))) {
                lengths.insert(decoy.id.size());
                counts.insert(PasskeyOptions::decoys(key, u"user%1@example.org"_s.arg(i)).size());
            }
        QCOMPARE(counts.size(), 2);
        QCOMPARE(lengths.size(), 2);
    }

    void challengeAge()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QByteArray challenge(32, 'c');
        const auto flow = [&](const QDateTime &created) {
            return QJsonObject{{u"challenge"_s, QString::fromLatin1(challenge.toBase64(
                                                    QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals))},
                               {u"createdAt"_s, created.toString(Qt::ISODateWithMs)}};
        };
        QCOMPARE(PasskeyChallenges::challengeOf(flow(now.addSecs(-299)), now, 300), challenge);
        QVERIFY(PasskeyChallenges::challengeOf(flow(now.addSecs(-301)), now, 300).isEmpty());
        QVERIFY(PasskeyChallenges::challengeOf(flow(now.addSecs(400)), now, 300).isEmpty());
        QVERIFY(PasskeyChallenges::challengeOf({{u"challenge"_s, u"AAAA"_s},
                                                {u"createdAt"_s, now.toString(Qt::ISODateWithMs)}},
                                               now, 300)
                    .isEmpty()); // too short to be ours
        QVERIFY(PasskeyChallenges::challengeOf({}, now, 300).isEmpty());
        QCOMPARE(PasskeyChallenges::registrationKey(u"u1"_s), "passkey_registration:u1"_ba);
        QCOMPARE(PasskeyChallenges::authKey(u"t1"_s), "passkey_auth:t1"_ba);
    }
};

QTEST_GUILESS_MAIN(TestPasskeyOptions)
#include "TestPasskeyOptions.moc"
