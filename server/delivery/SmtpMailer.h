#pragma once

#include "DeliveryQueue.h"
#include "Mailer.h"

#include <QByteArray>
#include <QString>

#include <memory>

struct Config;

// Mailer over SMTP with libcurl. One delivery thread (DeliveryQueue): send() jobs go first,
// enqueue() jobs retry with exponential backoff (initialBackoffMs, doubling, up to
// maxBackoffMs) until maxAttempts. Every SMTP session is bounded by timeoutMs.
class SmtpMailer : public Mailer
{
public:
    struct Settings
    {
        QString host;
        int port = 587;
        QString security = QStringLiteral("starttls"); // starttls | tls | none
        QString user;
        QByteArray password;     // from the secret store; never logged
        QString fromAddress;
        QString fromName = QStringLiteral("Gatehouse");
        int timeoutMs = 15000;
        QString publicUrl;       // {{publicUrl}} in every template
        int initialBackoffMs = 2000;
        int maxBackoffMs = 10 * 60 * 1000;
        int maxAttempts = 12;    // about two hours of retries with the defaults
        int promptRetryDelayMs = 300; // send(): one quick second try after a transient failure
    };

    static Settings settingsFrom(const Config &config, QByteArray password);

    explicit SmtpMailer(Settings settings);
    ~SmtpMailer() override;

    void enqueue(Message message) override;
    void send(Message message, QObject *context, std::function<void(Status)> done) override;

    QString describe() const; // "smtp://host:port (starttls, AUTH as user)"; no password

private:
    struct Attempt;
    Status deliver(const Message &message, int attempt, bool *transient);
    void runQueued(std::shared_ptr<Attempt> attempt);
    QHash<QString, QString> valuesFor(const Message &message) const;

    Settings m_settings;
    std::unique_ptr<DeliveryQueue> m_queue; // last: its jobs use the members above
};
