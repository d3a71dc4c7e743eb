#pragma once

#include "models/common/Result.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

// Email for the sign-in flows, sent by SMTP off the HTTP workers (one delivery thread with a
// queue, retries with backoff). Messages are rendered from the templates in resources/mail
// (`<name>.txt`, `<name>.html`, `<name>.subject`) with {{placeholders}} filled from `values`
// (HTML-escaped in the HTML part). Every message also gets {{email}} (the recipient),
// {{productName}} (smtp-from-name), {{publicUrl}} and {{signInUrl}} (default: publicUrl/ui/)
// unless `values` sets them. Templates: "welcome" (firstName, lastName, signInUrl),
// "email-verification" (code, minutes, firstName). Thread-safe: any worker may call it.
class Mailer
{
public:
    struct Message
    {
        QString to;                       // a normalised address
        QString templateName;             // "welcome", "email-verification", …
        QHash<QString, QString> values;   // never logged: may hold a one-time code
    };

    virtual ~Mailer() = default;

    // Fire and forget (welcome mail): queued, retried with backoff until it goes or its retries
    // run out (then logged, without the values). Returns at once.
    virtual void enqueue(Message message) = 0;
    // For mail the caller must know was accepted by the SMTP server (verification codes): one
    // prompt attempt (a short retry on a transient failure), then `done` runs in the thread of
    // `context` with the outcome: MAIL_UNAVAILABLE when the server cannot be reached or refuses.
    virtual void send(Message message, QObject *context, std::function<void(Status)> done) = 0;
};
