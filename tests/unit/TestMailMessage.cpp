// Mail rendering and MIME encoding (server/delivery/MailTemplate, MimeMessage), decoded with
// the tests' own MIME reader (tests/support/SmtpSink): placeholders filled and HTML-escaped,
// the compiled-in templates, quoted-printable round trips with long lines, leading dots and
// trailing spaces, RFC 2047 subjects and the RFC 5322 headers.
#include "server/delivery/MailTemplate.h"
#include "server/delivery/MimeMessage.h"
#include "tests/support/SmtpSink.h"

#include <QRegularExpression>
#include <QtTest>

using namespace Qt::StringLiterals;

class TestMailMessage : public QObject
{
    Q_OBJECT

private slots:
    void fillPlaceholders()
    {
        const QHash<QString, QString> values{{u"name"_s, u"<b>Ann & \"Bo\" 'x'</b>"_s},
                                             {u"loop"_s, u"{{name}}"_s}};
        QCOMPARE(MailTemplate::fill(u"Hi {{name}}, {{ name }}!"_s, values, false),
                 u"Hi <b>Ann & \"Bo\" 'x'</b>, <b>Ann & \"Bo\" 'x'</b>!"_s);
        QCOMPARE(MailTemplate::fill(u"<p>{{name}}</p>"_s, values, true),
                 u"<p>&lt;b&gt;Ann &amp; &quot;Bo&quot; &#39;x&#39;&lt;/b&gt;</p>"_s);
        // A value is never expanded again; an unknown placeholder becomes empty.
        QCOMPARE(MailTemplate::fill(u"[{{loop}}][{{missing}}]"_s, values, false), u"[{{name}}][]"_s);
        QCOMPARE(MailTemplate::fill(u"{not} {{ }} {{a-b}}"_s, values, false), u"{not} {{ }} {{a-b}}"_s);
    }

    void renderCompiledInTemplates_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("welcome") << u"welcome"_s;
        QTest::newRow("email-verification") << u"email-verification"_s;
    }

    void renderCompiledInTemplates()
    {
        QFETCH(QString, name);
        const QHash<QString, QString> values{{u"firstName"_s, u"Zoë <script>"_s},
                                             {u"code"_s, u"042917"_s},
                                             {u"minutes"_s, u"10"_s},
                                             {u"email"_s, u"zoe@example.org"_s},
                                             {u"productName"_s, u"Gatehouse"_s},
                                             {u"publicUrl"_s, u"https://id.example.org"_s},
                                             {u"signInUrl"_s, u"https://id.example.org/ui/index.html"_s}};
        const auto mail = MailTemplate::render(name, values);
        QVERIFY2(mail, qPrintable(mail ? QString() : mail.error().message));
        QVERIFY(!mail->subject.isEmpty());
        QVERIFY(!mail->subject.contains(u'\n'));
        QVERIFY(mail->text.contains(u"Zoë <script>"_s));
        QVERIFY(mail->html.contains(u"Zoë &lt;script&gt;"_s));
        QVERIFY(!mail->html.contains(u"<script>"_s));
        for (const QString *part : {&mail->subject, &mail->text, &mail->html})
            QVERIFY2(!part->contains(u"{{"_s), qPrintable(*part));
        if (name == u"email-verification") {
            QVERIFY(mail->subject.contains(u"042917"_s));
            QVERIFY(mail->text.contains(u"042917"_s));
            QVERIFY(mail->html.contains(u"042917"_s));
        } else {
            QVERIFY(mail->text.contains(u"https://id.example.org/ui/index.html"_s));
            QVERIFY(mail->html.contains(u"href=\"https://id.example.org/ui/index.html\""_s));
        }
    }

    void missingTemplate()
    {
        for (const QString &name : {u"nope"_s, u"../web/api"_s, u""_s}) {
            const auto mail = MailTemplate::render(name, {});
            QVERIFY(!mail);
            QCOMPARE(mail.error().code, u"MAIL_TEMPLATE_MISSING"_s);
        }
    }

    void subjectIsOneLine()
    {
        // A value with CR/LF cannot add a header through the subject.
        QCOMPARE(MailTemplate::fill(u"{{x}}"_s, {{u"x"_s, u"a\r\nBcc: evil@example.org"_s}}, false),
                 u"a\r\nBcc: evil@example.org"_s);
        const auto rendered = MailTemplate::render(u"welcome"_s, {{u"firstName"_s, u"A\r\nBcc: evil@example.org"_s}});
        QVERIFY(rendered);
        QVERIFY(!rendered->subject.contains(u'\n'));
        QVERIFY(!rendered->subject.contains(u'\r'));
    }

    void quotedPrintableRoundTrip_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("plain") << u"Hello world"_s;
        QTest::newRow("utf-8") << u"Grüße, Zoë — 日本語 😀"_s;
        QTest::newRow("equals and tabs") << u"a=b\tc = d"_s;
        QTest::newRow("trailing spaces") << u"line with trailing   \nnext\t"_s;
        QTest::newRow("leading dots") << u".\n..\n.hidden\nend\n."_s;
        QTest::newRow("long line") << QString(500, u'x');
        QTest::newRow("long utf-8 line") << QString(300, u'ü');
        QTest::newRow("long line of dots") << QString(200, u'.');
        QTest::newRow("CRLF and CR") << u"a\r\nb\rc\n"_s;
    }

    void quotedPrintableRoundTrip()
    {
        QFETCH(QString, text);
        const QByteArray encoded = MimeMessage::encodeQuotedPrintable(text.toUtf8());
        QString expected = text;
        expected.replace(u"\r\n"_s, u"\n"_s).replace(u'\r', u'\n');
        QCOMPARE(QString::fromUtf8(SmtpSink::decodeQuotedPrintable(encoded)), expected);
        for (const QByteArray &line : encoded.split('\n')) {
            const QByteArray l = line.endsWith('\r') ? line.chopped(1) : line;
            QVERIFY2(l.size() <= 76, l.constData());
            QVERIFY2(!l.startsWith('.'), l.constData()); // safe even without dot-stuffing
            QVERIFY(!l.endsWith(' ') && !l.endsWith('\t'));
            for (const char c : l)
                QVERIFY(c == '\t' || (uchar(c) >= 32 && uchar(c) < 127));
        }
        QVERIFY(!encoded.contains('\n') || encoded.contains("\r\n"));
    }

    void headerWords_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("ascii") << u"Your code: 123456"_s;
        QTest::newRow("utf-8") << u"Willkommen bei Gatehouse, Zoë"_s;
        QTest::newRow("long utf-8") << QString(120, u'é');
        QTest::newRow("surrogates") << QString(30, u'x') + u"😀😀😀😀😀😀😀😀😀😀😀😀😀😀"_s;
    }

    void headerWords()
    {
        QFETCH(QString, text);
        const QByteArray encoded = MimeMessage::encodeHeaderWord(text);
        QCOMPARE(SmtpSink::decodeHeader(QByteArray(encoded).replace("\r\n", "")), text);
        for (const QByteArray &line : encoded.split('\n'))
            QVERIFY2(line.trimmed().size() <= 75, line.constData());
        for (const char c : encoded)
            QVERIFY(uchar(c) < 128);
    }

    void wholeMessage()
    {
        MimeMessage message;
        message.fromAddress = u"gatehouse@example.org"_s;
        message.fromName = u"Gätehouse \"Team\""_s;
        message.to = u"zoe@example.org"_s;
        message.subject = u"Dein Code für Gatehouse: 123456"_s;
        message.text = u"Hallo Zoë,\n\n.\nCode: 123456\n"_s;
        message.html = u"<p>Hallo Zoë</p>"_s;
        message.date = QDateTime(QDate(2026, 11, 26), QTime(9, 5, 7), Qt::UTC);
        const QByteArray raw = message.build();
        // Every line ends in CRLF and none is longer than 998.
        for (qsizetype i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\n')
                QVERIFY(i > 0 && raw[i - 1] == '\r');
        }
        for (const QByteArray &line : raw.split('\n'))
            QVERIFY(line.size() <= 998);

        const ReceivedMail mail = SmtpSink::parse(raw);
        QCOMPARE(mail.header("Date"), "Thu, 26 Nov 2026 09:05:07 +0000"_ba);
        QCOMPARE(mail.header("To"), "zoe@example.org"_ba);
        QCOMPARE(mail.header("MIME-Version"), "1.0"_ba);
        QCOMPARE(SmtpSink::decodeHeader(mail.header("From")), u"Gätehouse \"Team\" <gatehouse@example.org>"_s);
        QVERIFY(QRegularExpression(u"^<[A-Za-z0-9_-]{24}@example\\.org>$"_s)
                    .match(QString::fromLatin1(mail.header("Message-ID")))
                    .hasMatch());
        QVERIFY(mail.header("Content-Type").startsWith("multipart/alternative; boundary="));
        QCOMPARE(mail.subject, message.subject);
        QCOMPARE(mail.text, message.text);
        QCOMPARE(mail.html, message.html);
        // Two messages never share a Message-ID.
        QVERIFY(SmtpSink::parse(message.build()).header("Message-ID") != mail.header("Message-ID"));
        QCOMPARE(MimeMessage::rfc5322Date(QDateTime(QDate(2027, 1, 3), QTime(23, 59, 0), Qt::UTC)),
                 "Sun, 3 Jan 2027 23:59:00 +0000"_ba);
    }
};

QTEST_GUILESS_MAIN(TestMailMessage)
#include "TestMailMessage.moc"
