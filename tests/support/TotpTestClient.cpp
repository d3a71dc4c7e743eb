#include "TotpTestClient.h"

#include "GatehousedProcess.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QTest>

using namespace Qt::StringLiterals;

namespace TotpTestClient {

QByteArray base32Decode(const QString &text)
{
    static const QString alphabet = u"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"_s;
    QByteArray out;
    quint32 buffer = 0;
    int bits = 0;
    for (const QChar c : text) {
        const qsizetype value = alphabet.indexOf(c);
        if (value < 0)
            return {};
        buffer = (buffer << 5) | static_cast<quint32>(value);
        bits += 5;
        if (bits >= 8) {
            out.append(static_cast<char>((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
    }
    return out;
}

QByteArray hotp(const QByteArray &secret, qint64 counter)
{
    QByteArray message(8, '\0');
    for (int i = 7; i >= 0; --i, counter >>= 8)
        message[i] = static_cast<char>(counter & 0xff);
    const QByteArray mac = QMessageAuthenticationCode::hash(message, secret, QCryptographicHash::Sha1);
    const int offset = mac.at(19) & 0x0f;
    const quint32 value = ((static_cast<quint8>(mac.at(offset)) & 0x7fu) << 24) |
                          (static_cast<quint8>(mac.at(offset + 1)) << 16) |
                          (static_cast<quint8>(mac.at(offset + 2)) << 8) | static_cast<quint8>(mac.at(offset + 3));
    return QByteArray::number(value % 1000000).rightJustified(6, '0');
}

QByteArray nextCode(Account &account)
{
    for (;;) {
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        const qint64 intoStepMs = nowMs % 30000;
        if (intoStepMs >= 28000) {
            QTest::qWait(static_cast<int>(30000 - intoStepMs) + 50);
            continue;
        }
        const qint64 now = nowMs / 30000;
        const qint64 step = qMax(account.lastStep + 1, now - 1);
        if (step > now + 1) {
            QTest::qWait(static_cast<int>(30000 - intoStepMs) + 50);
            continue;
        }
        account.lastStep = step;
        return hotp(account.secret, step);
    }
}

TestHttpResponse postRaw(const GatehousedProcess &server, const QString &path, const QByteArray &body,
                         const QByteArray &contentType)
{
    return TestHttp::request("POST"_ba, server.url(path), body, {{"Content-Type"_ba, contentType}});
}

TestHttpResponse post(const GatehousedProcess &server, const QString &path, const QJsonObject &body)
{
    return postRaw(server, path, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

QString errorCode(const TestHttpResponse &response)
{
    return response.json().value(u"error"_s).toObject().value(u"code"_s).toString();
}

QString errorField(const TestHttpResponse &response)
{
    return response.json().value(u"error"_s).toObject().value(u"field"_s).toString();
}

Account registerAccount(const GatehousedProcess &server, const QString &email)
{
    Account account;
    const TestHttpResponse started = post(server, u"/api/v1/auth/register/totp"_s,
                                          {{u"email"_s, email}, {u"firstName"_s, u"Ada"_s}, {u"lastName"_s, u"Lovelace"_s}});
    if (started.status != 201) {
        qWarning() << "register/totp" << started.status << started.body;
        return account;
    }
    account.email = email;
    account.secret = base32Decode(started.json().value(u"totpSecret"_s).toString());
    const QString userId = started.json().value(u"userId"_s).toString();
    const TestHttpResponse verified =
        post(server, u"/api/v1/auth/register/totp/verify"_s,
             {{u"userId"_s, userId}, {u"code"_s, QString::fromLatin1(nextCode(account))}});
    if (verified.status != 201) {
        qWarning() << "register/totp/verify" << verified.status << verified.body;
        return account;
    }
    account.userId = userId;
    return account;
}

TestHttpResponse signIn(const GatehousedProcess &server, Account &account)
{
    const TestHttpResponse started = post(server, u"/api/v1/auth/login/totp"_s, {{u"email"_s, account.email}});
    if (started.status != 200)
        return started;
    return post(server, u"/api/v1/auth/login/totp/verify"_s,
                {{u"loginToken"_s, started.json().value(u"loginToken"_s).toString()},
                 {u"code"_s, QString::fromLatin1(nextCode(account))}});
}

} // namespace TotpTestClient
