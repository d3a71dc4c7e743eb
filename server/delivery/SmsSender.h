#pragma once

#include "DeliveryQueue.h"
#include "models/common/Result.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

struct Config;

// Text messages (verification codes) to E.164 numbers. Drivers (`sms-driver`):
//   log   writes "SMS to +…: <message>" to the log. DEVELOPMENT ONLY: the one place where a
//         one-time code reaches the log, on purpose, so a developer can sign in without a
//         gateway. A warning says so at start-up.
//   http  a Twilio-compatible form POST (To, From, Body) to `sms-url` with HTTP basic auth
//         (`sms-account-sid`, the secret `sms-auth-token`), from a delivery thread, bounded by
//         `sms-timeout`.
// Thread-safe: any worker may call it.
class SmsSender
{
public:
    virtual ~SmsSender() = default;
    // One attempt; `done` runs in `context`'s thread: ok, or SMS_UNAVAILABLE.
    virtual void send(const QString &toE164, const QString &text, QObject *context,
                      std::function<void(Status)> done) = 0;
    virtual QString describe() const = 0;

    // The sender `config` asks for: null for `off`; SMS_CONFIG_INVALID when `http` lacks its
    // URL, sender or credentials. `authToken` comes from the secret store.
    static Result<std::shared_ptr<SmsSender>> create(const Config &config, QByteArray authToken);
};

class LogSmsSender : public SmsSender
{
public:
    LogSmsSender();
    void send(const QString &toE164, const QString &text, QObject *context,
              std::function<void(Status)> done) override;
    QString describe() const override { return QStringLiteral("log (development only)"); }
};

class HttpSmsSender : public SmsSender
{
public:
    struct Settings
    {
        QString url;
        QString accountSid;
        QByteArray authToken; // never logged
        QString from;
        int timeoutMs = 10000;
    };
    explicit HttpSmsSender(Settings settings);
    ~HttpSmsSender() override;
    void send(const QString &toE164, const QString &text, QObject *context,
              std::function<void(Status)> done) override;
    QString describe() const override;

private:
    Settings m_settings;
    std::unique_ptr<DeliveryQueue> m_queue;
};
