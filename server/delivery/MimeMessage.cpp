#include "MimeMessage.h"

#include "server/crypto/Crypto.h"

namespace {
constexpr qsizetype kMaxQpLine = 76; // RFC 2045 §6.7, before the soft line break's "="

bool isPlainAscii(const QString &text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}

// RFC 5322 quoted-string for a display name of printable ASCII.
QByteArray quoted(const QString &text)
{
    QByteArray out = "\"";
    for (const QChar c : text) {
        if (c == u'"' || c == u'\\')
            out += '\\';
        out += char(c.unicode());
    }
    return out + '"';
}

QByteArray normaliseNewlines(const QString &text)
{
    QByteArray utf8 = text.toUtf8();
    utf8.replace("\r\n", "\n");
    utf8.replace('\r', '\n');
    return utf8;
}
} // namespace

QByteArray MimeMessage::encodeQuotedPrintable(const QByteArray &utf8)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(utf8.size() * 3 / 2);
    const QList<QByteArray> lines = normaliseNewlines(QString::fromUtf8(utf8)).split('\n');
    for (qsizetype l = 0; l < lines.size(); ++l) {
        const QByteArray &line = lines[l];
        qsizetype column = 0;
        for (qsizetype i = 0; i < line.size(); ++i) {
            const auto byte = static_cast<unsigned char>(line[i]);
            const bool last = i == line.size() - 1;
            QByteArray piece;
            // Space and tab only in the middle of a line: trailing white space may be stripped
            // in transit. A leading "." is encoded too, so no line can end the SMTP data even
            // with a transport that forgets dot-stuffing.
            if ((byte >= 33 && byte <= 126 && byte != '=' && !(byte == '.' && column == 0)) ||
                ((byte == ' ' || byte == '\t') && !last)) {
                piece = QByteArray(1, char(byte));
            } else {
                piece = QByteArray("=") + hex[byte >> 4] + hex[byte & 0xf];
            }
            if (column + piece.size() > kMaxQpLine - 1) {
                out += "=\r\n";
                column = 0;
                if (piece == ".") // the first character of the continuation line
                    piece = "=2E";
            }
            out += piece;
            column += piece.size();
        }
        if (l != lines.size() - 1)
            out += "\r\n";
    }
    return out;
}

QByteArray MimeMessage::encodeHeaderWord(const QString &text)
{
    if (isPlainAscii(text))
        return text.toLatin1();
    // RFC 2047: encoded words of at most 75 characters, each holding whole UTF-8 characters,
    // separated by folding white space (CRLF SP), which decoders drop between encoded words.
    QByteArray out;
    QByteArray chunk;
    const auto flush = [&] {
        if (chunk.isEmpty())
            return;
        if (!out.isEmpty())
            out += "\r\n ";
        out += "=?UTF-8?B?" + chunk.toBase64() + "?=";
        chunk.clear();
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        QString character(text[i]);
        if (text[i].isHighSurrogate() && i + 1 < text.size())
            character += text[++i];
        const QByteArray bytes = character.toUtf8();
        // 45 bytes → 60 base64 characters, + 12 for =?UTF-8?B? and ?= stays under 75.
        if (chunk.size() + bytes.size() > 45)
            flush();
        chunk += bytes;
    }
    flush();
    return out;
}

QByteArray MimeMessage::rfc5322Date(const QDateTime &date)
{
    static const char *days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QDateTime utc = date.toUTC();
    const QDate d = utc.date();
    const QTime t = utc.time();
    return QByteArray(days[d.dayOfWeek() - 1]) + ", " + QByteArray::number(d.day()) + ' ' +
           months[d.month() - 1] + ' ' + QByteArray::number(d.year()) + ' ' +
           t.toString(QStringLiteral("HH:mm:ss")).toLatin1() + " +0000";
}

QByteArray MimeMessage::build() const
{
    const QByteArray domain = fromAddress.mid(fromAddress.lastIndexOf(u'@') + 1).toLatin1();
    const QByteArray id = messageId.isEmpty()
                              ? Crypto::base64UrlEncode(Crypto::randomBytes(18)) + '@' + domain
                              : messageId;
    const QByteArray boundary = "=_gh_" + Crypto::base64UrlEncode(Crypto::randomBytes(18));
    QByteArray from;
    if (fromName.isEmpty())
        from = fromAddress.toLatin1();
    else
        from = (isPlainAscii(fromName) ? quoted(fromName) : encodeHeaderWord(fromName)) + " <" +
               fromAddress.toLatin1() + '>';

    QByteArray out;
    out += "Date: " + rfc5322Date(date.isValid() ? date : QDateTime::currentDateTimeUtc()) + "\r\n";
    out += "From: " + from + "\r\n";
    out += "To: " + to.toUtf8() + "\r\n";
    out += "Subject: " + encodeHeaderWord(subject) + "\r\n";
    out += "Message-ID: <" + id + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n"; // RFC 3834: no vacation replies, please
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
    out += "\r\n";
    out += "This is a message in MIME format.\r\n";
    const auto part = [&](const char *type, const QString &body) {
        out += "\r\n--" + boundary + "\r\n";
        out += QByteArray("Content-Type: ") + type + "; charset=UTF-8\r\n";
        out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
        out += encodeQuotedPrintable(body.toUtf8());
    };
    part("text/plain", text);
    part("text/html", html);
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}
