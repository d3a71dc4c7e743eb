#include "CurlCall.h"

#include <QUrl>

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace {
constexpr qsizetype kMaxResponseBody = 64 * 1024;

struct Upload
{
    const QByteArray *data;
    qsizetype offset = 0;
};

size_t readUpload(char *buffer, size_t size, size_t count, void *userdata)
{
    auto *upload = static_cast<Upload *>(userdata);
    const qsizetype room = qsizetype(size * count);
    const qsizetype n = std::min(room, upload->data->size() - upload->offset);
    std::copy_n(upload->data->constData() + upload->offset, n, buffer);
    upload->offset += n;
    return size_t(n);
}

size_t writeBody(char *data, size_t size, size_t count, void *userdata)
{
    auto *body = static_cast<QByteArray *>(userdata);
    const qsizetype n = qsizetype(size * count);
    if (body->size() < kMaxResponseBody)
        body->append(data, std::min(n, kMaxResponseBody - body->size()));
    return size * count;
}

int progress(void *userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    const auto *abort = static_cast<const std::atomic<bool> *>(userdata);
    return abort && abort->load(std::memory_order_relaxed) ? 1 : 0; // non-zero aborts
}

// One easy handle with the limits every transfer shares: timeouts, no signals (threads), the
// abort hook, no redirects, certificate checks, only the protocols named.
class Transfer
{
public:
    Transfer(const QByteArray &url, const char *protocols, int timeoutMs, const std::atomic<bool> *abort)
        : m_curl(curl_easy_init(), &curl_easy_cleanup)
    {
        CURL *curl = m_curl.get();
        if (!curl)
            return;
        curl_easy_setopt(curl, CURLOPT_URL, url.constData()); // curl copies strings
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(std::min(timeoutMs, 10000)));
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(timeoutMs));
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, abort);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, m_error);
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    CURL *handle() const { return m_curl.get(); }

    void setCredentials(const QString &user, const QByteArray &password)
    {
        if (user.isEmpty())
            return;
        curl_easy_setopt(handle(), CURLOPT_USERNAME, user.toUtf8().constData());
        curl_easy_setopt(handle(), CURLOPT_PASSWORD, password.constData());
    }

    CurlCall::Outcome perform()
    {
        CurlCall::Outcome outcome;
        if (!handle()) {
            outcome.curlCode = int(CURLE_OUT_OF_MEMORY);
            outcome.error = QStringLiteral("curl_easy_init failed");
            return outcome;
        }
        const CURLcode code = curl_easy_perform(handle());
        outcome.curlCode = int(code);
        curl_easy_getinfo(handle(), CURLINFO_RESPONSE_CODE, &outcome.responseCode);
        outcome.ok = code == CURLE_OK;
        if (!outcome.ok)
            outcome.error = QString::fromUtf8(m_error[0] ? m_error : curl_easy_strerror(code));
        return outcome;
    }

private:
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> m_curl;
    char m_error[CURL_ERROR_SIZE] = {};
};
} // namespace

namespace CurlCall {

bool Outcome::transient() const
{
    if (ok)
        return false;
    switch (CURLcode(curlCode)) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
        return false; // configuration problems: retrying changes nothing
    default:
        break;
    }
    // A permanent SMTP rejection (5xx: no such mailbox, policy) is final; HTTP 4xx too.
    return !(responseCode >= 500 && responseCode < 600 && curlCode != CURLE_HTTP_RETURNED_ERROR) &&
           !(curlCode == CURLE_HTTP_RETURNED_ERROR && responseCode >= 400 && responseCode < 500 &&
             responseCode != 408 && responseCode != 429);
}

void globalInit()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Outcome sendMail(const Smtp &request, const std::atomic<bool> *abort)
{
    const bool implicitTls = request.security == QLatin1String("tls");
    // The path names the EHLO domain; "localhost" says nothing about this host to the world.
    const QByteArray url = (implicitTls ? "smtps://" : "smtp://") + request.host.toUtf8() + ':' +
                           QByteArray::number(request.port) + "/localhost";
    Transfer transfer(url, "smtp,smtps", request.timeoutMs, abort);
    CURL *curl = transfer.handle();
    if (!curl)
        return transfer.perform();
    if (request.security == QLatin1String("starttls"))
        curl_easy_setopt(curl, CURLOPT_USE_SSL, long(CURLUSESSL_ALL)); // refuse without STARTTLS
    transfer.setCredentials(request.user, request.password);
    const QByteArray from = '<' + request.from.toUtf8() + '>';
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.constData());
    const QByteArray to = '<' + request.to.toUtf8() + '>';
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
        curl_slist_append(nullptr, to.constData()), &curl_slist_free_all);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients.get());
    Upload upload{&request.message};
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, readUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.message.size()));
    return transfer.perform();
}

Outcome postForm(const FormPost &request, const std::atomic<bool> *abort)
{
    Transfer transfer(request.url.toUtf8(), "http,https", request.timeoutMs, abort);
    CURL *curl = transfer.handle();
    if (!curl)
        return transfer.perform();
    QByteArray body;
    for (const auto &[name, value] : request.fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.constData()); // not copied: lives until perform
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, long(CURLAUTH_BASIC));
    transfer.setCredentials(request.user, request.password);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L); // 4xx/5xx → CURLE_HTTP_RETURNED_ERROR
    QByteArray response;
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, writeBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    Outcome outcome = transfer.perform();
    outcome.body = response;
    return outcome;
}

} // namespace CurlCall
