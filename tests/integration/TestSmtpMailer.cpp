// The SMTP mailer (server/delivery/SmtpMailer) against a real SMTP server on loopback
// (tests/support/smtp-sink.py, Debian python3-aiosmtpd): the welcome mail goes out through the
// queue, send() reports on the caller's thread, an outage answers MAIL_UNAVAILABLE promptly, a
// queued mail is retried until the server is back, a server that never answers is cut off by
// the timeout, and a caller that went away is simply not called.
#include "server/delivery/SmtpMailer.h"
#include "tests/support/SmtpSink.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QThread>
#include <QtTest>

#include <memory>

using namespace Qt::StringLiterals;

class TestSmtpMailer : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<SmtpSink> m_sink;

    SmtpMailer::Settings settings(quint16 port) const
    {
        SmtpMailer::Settings s;
        s.host = u"127.0.0.1"_s;
        s.port = port;
        s.security = u"none"_s;
        s.fromAddress = u"gatehouse@example.org"_s;
        s.fromName = u"Gatehouse Test"_s;
        s.timeoutMs = 3000;
        s.publicUrl = u"https://id.example.org"_s;
        s.initialBackoffMs = 200; // the production default is 2 s; the doubling is the same
        s.maxBackoffMs = 800;
        s.maxAttempts = 30;
        return s;
    }

    struct Outcome
    {
        bool called = false;
        QString code;
        QThread *thread = nullptr;
    };

    static Mailer::Message verification(const QString &to, const QString &code)
    {
        return {to, u"email-verification"_s, {{u"code"_s, code}, {u"minutes"_s, u"10"_s}, {u"firstName"_s, u"Ann"_s}}};
    }

    // send() and wait for its outcome on this thread.
    static Outcome sendAndWait(SmtpMailer &mailer, Mailer::Message message, int timeoutMs = 10000)
    {
        QObject context;
        auto outcome = std::make_shared<Outcome>();
        mailer.send(std::move(message), &context, [outcome](Status status) {
            outcome->called = true;
            outcome->code = status ? QString() : status.error().code;
            outcome->thread = QThread::currentThread();
        });
        QElapsedTimer timer;
        timer.start();
        while (!outcome->called && timer.elapsed() < timeoutMs)
            QTest::qWait(20);
        return *outcome; // callers check `called`
    }

private slots:
    void initTestCase()
    {
        m_sink = std::make_unique<SmtpSink>();
        QVERIFY2(m_sink->start(), qPrintable(m_sink->errorString()));
    }

    void enqueueDeliversWelcome()
    {
        SmtpMailer mailer(settings(m_sink->port()));
        const int before = int(m_sink->messages().size());
        mailer.enqueue({u"new.user@example.org"_s, u"welcome"_s,
                        {{u"firstName"_s, u"Zoë <b>"_s}, {u"lastName"_s, u"Q"_s}}});
        const QList<ReceivedMail> mails = m_sink->waitForMessages(before + 1);
        QCOMPARE(mails.size(), before + 1);
        const ReceivedMail &mail = mails.last();
        QCOMPARE(mail.envelopeFrom, u"gatehouse@example.org"_s);
        QCOMPARE(mail.envelopeTo, QStringList{u"new.user@example.org"_s});
        QCOMPARE(mail.header("To"), "new.user@example.org"_ba);
        QCOMPARE(mail.subject, u"Welcome to Gatehouse Test, Zoë <b>"_s);
        QVERIFY(mail.text.contains(u"Hello Zoë <b>,"_s));
        QVERIFY(mail.text.contains(u"https://id.example.org/ui/"_s));
        QVERIFY(mail.html.contains(u"Hello Zoë &lt;b&gt;,"_s));
        QVERIFY(!mail.header("Date").isEmpty());
        QVERIFY(!mail.header("Message-ID").isEmpty());
    }

    void sendReportsOnCallerThread()
    {
        SmtpMailer mailer(settings(m_sink->port()));
        const int before = int(m_sink->messages().size());
        const Outcome outcome = sendAndWait(mailer, verification(u"ann@example.org"_s, u"031415"_s));
        QVERIFY(outcome.called);
        QCOMPARE(outcome.code, QString());
        QCOMPARE(outcome.thread, QThread::currentThread());
        // Accepted means received: the message is there already.
        const QList<ReceivedMail> mails = m_sink->messages();
        QCOMPARE(mails.size(), before + 1);
        QVERIFY(mails.last().text.contains(u"031415"_s));
        QVERIFY(mails.last().subject.contains(u"031415"_s));
    }

    void sendWhileDownIsUnavailable()
    {
        SmtpSink down; // a free port nobody listens on
        SmtpMailer mailer(settings(down.port()));
        QElapsedTimer timer;
        timer.start();
        const Outcome outcome = sendAndWait(mailer, verification(u"ann@example.org"_s, u"000001"_s));
        QVERIFY(outcome.called);
        QCOMPARE(outcome.code, u"MAIL_UNAVAILABLE"_s);
        QCOMPARE(outcome.thread, QThread::currentThread());
        QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    }

    void enqueuedMailWaitsForTheServer()
    {
        SmtpSink later; // not started yet: connections are refused
        SmtpMailer mailer(settings(later.port()));
        mailer.enqueue({u"late@example.org"_s, u"welcome"_s, {{u"firstName"_s, u"Late"_s}}});
        QTest::qWait(700); // a few attempts fail meanwhile (200, 400, 800 ms backoff)
        QVERIFY2(later.start(), qPrintable(later.errorString()));
        const QList<ReceivedMail> mails = later.waitForMessages(1, 10000);
        QCOMPARE(mails.size(), 1);
        QCOMPARE(mails.first().envelopeTo, QStringList{u"late@example.org"_s});
        QTest::qWait(300);
        QCOMPARE(later.messages().size(), 1); // delivered once, not once per attempt
    }

    void silentServerTimesOut()
    {
        // Accepts the connection and never says a word: only the timeout ends the session.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        SmtpMailer::Settings s = settings(silent.serverPort());
        s.timeoutMs = 1000;
        s.promptRetryDelayMs = 50;
        SmtpMailer mailer(s);
        QElapsedTimer timer;
        timer.start();
        const Outcome outcome = sendAndWait(mailer, verification(u"ann@example.org"_s, u"000002"_s));
        QCOMPARE(outcome.code, u"MAIL_UNAVAILABLE"_s);
        // Two attempts of one second each at most (the prompt retry), never minutes.
        QVERIFY2(timer.elapsed() >= 1000 && timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    }

    void authWithPassword()
    {
        SmtpSink guarded;
        guarded.requireAuth(u"mailer"_s, "pässword 1"_ba);
        QVERIFY2(guarded.start(), qPrintable(guarded.errorString()));
        SmtpMailer::Settings s = settings(guarded.port());
        s.user = u"mailer"_s;
        s.password = "pässword 1"_ba;
        {
            SmtpMailer mailer(s);
            QCOMPARE(sendAndWait(mailer, verification(u"ann@example.org"_s, u"000004"_s)).code, QString());
        }
        QCOMPARE(guarded.messages().size(), 1);
        // A wrong password is refused.
        s.password = "wrong"_ba;
        SmtpMailer mailer(s);
        QCOMPARE(sendAndWait(mailer, verification(u"ann@example.org"_s, u"000005"_s)).code, u"MAIL_UNAVAILABLE"_s);
        QCOMPARE(guarded.messages().size(), 1);
    }

    void starttlsIsRequiredWhenConfigured()
    {
        // The sink offers no STARTTLS: with security starttls nothing may go out in clear text.
        SmtpMailer::Settings s = settings(m_sink->port());
        s.security = u"starttls"_s;
        SmtpMailer mailer(s);
        const int before = int(m_sink->messages().size());
        QCOMPARE(sendAndWait(mailer, verification(u"ann@example.org"_s, u"000006"_s)).code, u"MAIL_UNAVAILABLE"_s);
        QTest::qWait(100);
        QCOMPARE(m_sink->messages().size(), before);
    }

    void refusesAddressesThatCouldInjectHeaders()
    {
        SmtpMailer mailer(settings(m_sink->port()));
        const int before = int(m_sink->messages().size());
        for (const QString &to : {u"a@example.org\r\nBcc: evil@example.org"_s, u"<a@example.org>"_s,
                                  u"a b@example.org"_s, u"no-at-sign"_s}) {
            const Outcome outcome = sendAndWait(mailer, verification(to, u"000007"_s));
            QVERIFY(outcome.called);
            QCOMPARE(outcome.code, u"MAIL_RECIPIENT_INVALID"_s);
        }
        QCOMPARE(m_sink->messages().size(), before);
    }

    void goneCallerIsNotCalled()
    {
        SmtpSink down;
        SmtpMailer mailer(settings(down.port()));
        bool called = false;
        {
            auto *context = new QObject;
            mailer.send(verification(u"ann@example.org"_s, u"000003"_s), context,
                        [&called](Status) { called = true; });
            delete context; // e.g. the worker went away
        }
        QTest::qWait(1500);
        QVERIFY(!called);
    }

    void stopsPromptlyWithQueuedRetries()
    {
        SmtpSink down;
        QElapsedTimer timer;
        {
            SmtpMailer::Settings s = settings(down.port());
            s.initialBackoffMs = 60000;
            SmtpMailer mailer(s);
            mailer.enqueue({u"a@example.org"_s, u"welcome"_s, {}});
            QTest::qWait(300); // first attempt failed; the retry waits a minute
            timer.start();
        } // destroyed: drops the retry instead of waiting for it
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    }

    void cleanupTestCase()
    {
        m_sink.reset();
    }
};

QTEST_GUILESS_MAIN(TestSmtpMailer)
#include "TestSmtpMailer.moc"
