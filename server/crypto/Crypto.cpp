#include "server/crypto/Crypto.h"

#include <QtGlobal>
#include <climits>
#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace {

struct CipherCtxFree
{
    void operator()(EVP_CIPHER_CTX *ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char *bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char *>(view.data());
}

unsigned char *bytes(QByteArray &array)
{
    return reinterpret_cast<unsigned char *>(array.data());
}

// OpenSSL's one-shot calls take int or size_t lengths; QByteArray sizes never exceed INT_MAX in
// practice, but a checked conversion keeps a huge view from being silently truncated.
bool fitsInt(QByteArrayView view)
{
    return view.size() >= 0 && view.size() <= INT_MAX - 64;
}

QByteArray hmac(const char *digest, int outBytes, QByteArrayView key, QByteArrayView data)
{
    QByteArray out(outBytes, Qt::Uninitialized);
    size_t outLength = 0;
    // An empty key is legal HMAC (zero-padded block); hand OpenSSL a valid pointer anyway.
    static const unsigned char emptyKey[1] = {0};
    const unsigned char *keyBytes = key.isEmpty() ? emptyKey : bytes(key);
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, keyBytes,
                   static_cast<size_t>(key.size()), bytes(data), static_cast<size_t>(data.size()),
                   bytes(out), static_cast<size_t>(out.size()), &outLength) ||
        outLength != static_cast<size_t>(outBytes))
        qFatal("Crypto: HMAC failed inside OpenSSL");
    return out;
}

// Value of one base64url character, or -1.
int base64UrlValue(char16_t c)
{
    if (c >= u'A' && c <= u'Z')
        return c - u'A';
    if (c >= u'a' && c <= u'z')
        return c - u'a' + 26;
    if (c >= u'0' && c <= u'9')
        return c - u'0' + 52;
    if (c == u'-')
        return 62;
    if (c == u'_')
        return 63;
    return -1;
}

template <typename CharAt> Result<QByteArray> decodeBase64Url(qsizetype length, CharAt charAt)
{
    auto invalid = [](const QString &why) {
        return makeError(QString(Crypto::kBase64Invalid),
                         QStringLiteral("Invalid base64url: ") + why);
    };
    if (length % 4 == 1)
        return invalid(QStringLiteral("impossible length"));
    QByteArray out;
    out.reserve(length * 3 / 4);
    quint32 buffer = 0;
    int bits = 0;
    for (qsizetype i = 0; i < length; ++i) {
        const int value = base64UrlValue(charAt(i));
        if (value < 0)
            return invalid(QStringLiteral("character outside [A-Za-z0-9_-] at offset %1").arg(i));
        buffer = (buffer << 6) | static_cast<quint32>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.append(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    // Leftover bits (2 or 4) must be zero, otherwise two strings would decode to the same bytes.
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0)
        return invalid(QStringLiteral("non-zero trailing bits"));
    return out;
}

// Shared by the public AES-GCM functions: seal with a given nonce and AAD chunks.
Result<QByteArray> gcmSeal(QByteArrayView key, QByteArrayView nonce, QByteArrayView plaintext,
                           QByteArrayView aad1, QByteArrayView aad2)
{
    auto failed = [] {
        return makeError(QString(Crypto::kEncryptionFailed),
                         QStringLiteral("AES-256-GCM encryption failed inside OpenSSL"));
    };
    if (key.size() != Crypto::kAesKeyBytes)
        return makeError(
            QString(Crypto::kKeyInvalid),
            QStringLiteral("AES-256-GCM needs a 32-byte key (got %1 bytes)").arg(key.size()));
    if (nonce.size() != Crypto::kAesGcmNonceBytes || !fitsInt(plaintext) || !fitsInt(aad1) ||
        !fitsInt(aad2))
        return failed();

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || !EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) ||
        !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, Crypto::kAesGcmNonceBytes,
                             nullptr) ||
        !EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key), bytes(nonce)))
        return failed();
    int length = 0;
    for (QByteArrayView aad : {aad1, aad2}) {
        if (!aad.isEmpty() && !EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes(aad),
                                                 static_cast<int>(aad.size())))
            return failed();
    }
    QByteArray out(plaintext.size() + Crypto::kAesGcmTagBytes, Qt::Uninitialized);
    int written = 0;
    if (!plaintext.isEmpty()) {
        if (!EVP_EncryptUpdate(ctx.get(), bytes(out), &length, bytes(plaintext),
                               static_cast<int>(plaintext.size())))
            return failed();
        written = length;
    }
    if (!EVP_EncryptFinal_ex(ctx.get(), bytes(out) + written, &length))
        return failed();
    written += length;
    if (written != plaintext.size() ||
        !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, Crypto::kAesGcmTagBytes,
                             bytes(out) + written))
        return failed();
    return out;
}

} // namespace

namespace Crypto {

QByteArray randomBytes(int n)
{
    if (n < 0)
        qFatal("Crypto::randomBytes: negative length");
    QByteArray out(n, Qt::Uninitialized);
    if (n > 0 && RAND_bytes(bytes(out), n) != 1)
        qFatal("Crypto::randomBytes: the OpenSSL RNG failed; refusing to continue");
    return out;
}

QByteArray sha256(QByteArrayView data)
{
    QByteArray out(32, Qt::Uninitialized);
    unsigned int length = 0;
    if (!EVP_Digest(data.data(), static_cast<size_t>(data.size()), bytes(out), &length,
                    EVP_sha256(), nullptr) ||
        length != 32)
        qFatal("Crypto::sha256 failed inside OpenSSL");
    return out;
}

QString sha256Hex(QByteArrayView data)
{
    return QString::fromLatin1(sha256(data).toHex());
}

QByteArray hmacSha1(QByteArrayView key, QByteArrayView data)
{
    return hmac("SHA1", 20, key, data);
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    return hmac("SHA256", 32, key, data);
}

bool equalConstantTime(QByteArrayView a, QByteArrayView b)
{
    // Compare a with itself when the lengths differ, so the work (and its timing) is the same
    // as for a real comparison; combine the two outcomes without a data-dependent branch.
    const bool sameLength = a.size() == b.size();
    const char *other = sameLength ? b.data() : a.data();
    const int differs =
        a.isEmpty() ? 0 : CRYPTO_memcmp(a.data(), other, static_cast<size_t>(a.size()));
    return static_cast<bool>(static_cast<unsigned>(sameLength) &
                             static_cast<unsigned>(differs == 0));
}

QByteArray base64UrlEncode(QByteArrayView data)
{
    return data.toByteArray().toBase64(QByteArray::Base64UrlEncoding |
                                       QByteArray::OmitTrailingEquals);
}

Result<QByteArray> base64UrlDecode(QByteArrayView text)
{
    return decodeBase64Url(text.size(), [&](qsizetype i) {
        return static_cast<char16_t>(static_cast<unsigned char>(text.at(i)));
    });
}

Result<QByteArray> base64UrlDecode(QStringView text)
{
    return decodeBase64Url(text.size(), [&](qsizetype i) { return text.at(i).unicode(); });
}

Result<QByteArray> aesGcmEncrypt(QByteArrayView key32, QByteArrayView plaintext,
                                 QByteArrayView associatedData)
{
    const QByteArray nonce = randomBytes(kAesGcmNonceBytes);
    const char version = kAesGcmFormatVersion;
    auto sealed = gcmSeal(key32, nonce, plaintext, QByteArrayView(&version, 1), associatedData);
    if (!sealed)
        return sealed.error();
    QByteArray out;
    out.reserve(1 + kAesGcmNonceBytes + sealed->size());
    out.append(version).append(nonce).append(*sealed);
    return out;
}

Result<QByteArray> aesGcmDecrypt(QByteArrayView key32, QByteArrayView sealed,
                                 QByteArrayView associatedData)
{
    // One message for every cause, so the error itself tells an attacker nothing.
    auto failed = [] {
        return makeError(QString(kDecryptionFailed),
                         QStringLiteral("The encrypted value cannot be decrypted: wrong key, wrong "
                                        "context or damaged data"));
    };
    if (key32.size() != kAesKeyBytes)
        return makeError(
            QString(kKeyInvalid),
            QStringLiteral("AES-256-GCM needs a 32-byte key (got %1 bytes)").arg(key32.size()));
    constexpr qsizetype overhead = 1 + kAesGcmNonceBytes + kAesGcmTagBytes;
    if (sealed.size() < overhead || sealed.at(0) != kAesGcmFormatVersion || !fitsInt(sealed) ||
        !fitsInt(associatedData))
        return failed();

    const QByteArrayView version = sealed.first(1);
    const QByteArrayView nonce = sealed.sliced(1, kAesGcmNonceBytes);
    const QByteArrayView ciphertext =
        sealed.sliced(1 + kAesGcmNonceBytes, sealed.size() - overhead);
    // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; give it a copy.
    QByteArray tag = sealed.last(kAesGcmTagBytes).toByteArray();

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || !EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) ||
        !EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kAesGcmNonceBytes, nullptr) ||
        !EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, bytes(key32), bytes(nonce)))
        return failed();
    int length = 0;
    for (QByteArrayView aad : {version, associatedData}) {
        if (!aad.isEmpty() && !EVP_DecryptUpdate(ctx.get(), nullptr, &length, bytes(aad),
                                                 static_cast<int>(aad.size())))
            return failed();
    }
    QByteArray plaintext(ciphertext.size(), Qt::Uninitialized);
    int written = 0;
    bool good = true;
    if (!ciphertext.isEmpty()) {
        good = EVP_DecryptUpdate(ctx.get(), bytes(plaintext), &length, bytes(ciphertext),
                                 static_cast<int>(ciphertext.size())) == 1;
        written = length;
    }
    good = good &&
           EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagBytes, bytes(tag)) == 1;
    good = good && EVP_DecryptFinal_ex(ctx.get(), bytes(plaintext) + written, &length) == 1;
    if (!good || written + length != ciphertext.size()) {
        // Unauthenticated plaintext must not linger in memory.
        if (!plaintext.isEmpty())
            OPENSSL_cleanse(plaintext.data(), static_cast<size_t>(plaintext.size()));
        return failed();
    }
    return plaintext;
}

Result<QByteArray> aesGcmSealRawForTesting(QByteArrayView key32, QByteArrayView nonce12,
                                           QByteArrayView plaintext, QByteArrayView aad)
{
    return gcmSeal(key32, nonce12, plaintext, aad, {});
}

} // namespace Crypto
