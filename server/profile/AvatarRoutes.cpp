#include "AvatarRoutes.h"

#include "AvatarImage.h"
#include "AvatarStore.h"
#include "models/common/Log.h"
#include "models/users/ProfileRepository.h"
#include "server/auth/CurrentUser.h"
#include "server/events/EventPublisher.h"
#include "server/http/Router.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/redis/RedisClient.h"
#include "server/runtime/AppServices.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

namespace {
// Decoding runs off the HTTP workers (a 40-megapixel JPEG takes a while) on a small pool of its
// own, which also bounds the memory that decoding can hold at once (two images at most).
QThreadPool *decodePool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool; // lives as long as the process; never waited on at exit
        p->setMaxThreadCount(2);
        return p;
    }();
    return pool;
}

void databaseFailure(WorkerContext *ctx, const ExchangePtr &exchange, const Error &error)
{
    if (error.code == QLatin1String("DATABASE_UNAVAILABLE"))
        ctx->resetDatabase();
    ServiceErrors::respond(exchange, error);
}

// Deletes a file nobody points at any more. Under the key's lock, so an upload of the same
// picture by someone else cannot slip in between the check and the unlink. Failures only
// leave an orphaned file behind, so they are logged, not answered.
void releaseFile(ProfileRepository &repository, const AvatarStore &store, const QString &key)
{
    if (!AvatarStore::isValidKey(key))
        return; // an avatar_url without a file of ours (or a key not written by this code)
    if (Status locked = repository.lockAvatarKey(key); !locked) {
        Log::warning(QStringLiteral("avatar.release_failed"),
                     {{QStringLiteral("key"), key}, {QStringLiteral("error"), locked.error().code}});
        return;
    }
    const Result<bool> used = repository.avatarKeyInUse(key);
    if (used && !*used) {
        if (Status removed = store.remove(key); !removed)
            Log::warning(QStringLiteral("avatar.release_failed"),
                         {{QStringLiteral("key"), key}, {QStringLiteral("error"), removed.error().message}});
    }
    repository.unlockAvatarKey(key);
}

// Second half of the upload, back on the worker thread: store the file, point the row at it,
// then let go of the old file.
void storeAvatar(WorkerContext *ctx, const ExchangePtr &exchange, const QString &userId,
                 const Result<AvatarImage::Output> &image)
{
    if (!image) {
        exchange->respondError(AvatarImage::httpStatus(image.error().code), image.error().code,
                               image.error().message);
        return;
    }
    const AppServices &services = ctx->services();
    const AvatarStore store(AvatarStore::directoryFor(services.config));
    const QString key = AvatarStore::keyFor(image->bytes, image->extension);
    const AvatarColumns columns{services.config.effectivePublicUrl() + QStringLiteral("/avatars/") + key,
                                key, image->bytes.size(), QString::fromLatin1(image->mimeType)};

    auto statements = ctx->statements();
    if (!statements)
        return databaseFailure(ctx, exchange, statements.error());
    ProfileRepository repository(**statements);
    if (Status locked = repository.lockAvatarKey(key); !locked)
        return databaseFailure(ctx, exchange, locked.error());
    if (Status written = store.put(key, image->bytes); !written) {
        repository.unlockAvatarKey(key);
        Log::error(QStringLiteral("avatar.store_failed"),
                   {{QStringLiteral("requestId"), QString::fromLatin1(exchange->requestId())},
                    {QStringLiteral("error"), written.error().message}});
        exchange->respondError(500, QStringLiteral("AVATAR_STORE_FAILED"),
                               QStringLiteral("the avatar could not be stored"));
        return;
    }
    const auto previous = repository.setAvatar(userId, columns, services.clock());
    repository.unlockAvatarKey(key);
    if (!previous)
        return databaseFailure(ctx, exchange, previous.error());
    if (!previous->has_value())
        return exchange->respondError(401, QStringLiteral("UNAUTHENTICATED"),
                                      QStringLiteral("the session's account no longer exists"));
    // Only now that the row points at the new file may the old one go.
    if (!(*previous)->isEmpty() && **previous != key)
        releaseFile(repository, store, **previous);
    ctx->events().publish(
        {QStringLiteral("user:updated"), userId, {}, userId, QStringLiteral("avatar")});
    exchange->respondJson(200, {{QStringLiteral("avatarUrl"), columns.url}});
}

bool etagMatches(const QByteArray &ifNoneMatch, const QByteArray &etag)
{
    for (QByteArray candidate : ifNoneMatch.split(',')) {
        candidate = candidate.trimmed();
        if (candidate.startsWith("W/"))
            candidate = candidate.mid(2);
        if (candidate == etag || candidate == "*")
            return true;
    }
    return false;
}
} // namespace

namespace AvatarRoutes {

void install(Router &router, WorkerContext &context)
{
    WorkerContext *ctx = &context;

    router.put(QStringLiteral("/api/v1/me/avatar"), [ctx](const ExchangePtr &exchange) {
        CurrentUser::load(exchange, *ctx, [ctx, exchange](const Caller &, const User &user) {
            // The Content-Type is not trusted (the bytes decide), but a form upload is a
            // mistake worth naming.
            if (exchange->header("Content-Type").trimmed().toLower().startsWith("multipart/"))
                return exchange->respondError(
                    415, QStringLiteral("AVATAR_UNSUPPORTED_FORMAT"),
                    QStringLiteral("send the image itself as the request body, not a form"));
            const QByteArray body = exchange->body();
            if (body.isEmpty())
                return exchange->respondError(400, QStringLiteral("AVATAR_MISSING"),
                                              QStringLiteral("the body must be the image (PNG, JPEG or WebP)"));
            const int limit = ctx->services().config.maxAvatarBytes;
            if (body.size() > limit) // the connection guard refuses these first; belt and braces
                return exchange->respondError(413, QStringLiteral("PAYLOAD_TOO_LARGE"),
                                              QStringLiteral("an avatar may have at most %1 bytes").arg(limit));

            auto result = std::make_shared<std::optional<Result<AvatarImage::Output>>>();
            auto *watcher = new QFutureWatcher<void>(ctx->redis());
            const QString userId = user.id;
            QObject::connect(watcher, &QFutureWatcher<void>::finished, watcher,
                             [ctx, exchange, userId, result, watcher] {
                watcher->deleteLater();
                if (result->has_value())
                    storeAvatar(ctx, exchange, userId, **result);
                else
                    exchange->respondError(500, QStringLiteral("INTERNAL"),
                                           QStringLiteral("the image was not processed"));
            });
            watcher->setFuture(QtConcurrent::run(decodePool(), [body, result] {
                result->emplace(AvatarImage::normalise(body));
            }));
        });
    });

    router.del(QStringLiteral("/api/v1/me/avatar"), [ctx](const ExchangePtr &exchange) {
        CurrentUser::load(exchange, *ctx, [ctx, exchange](const Caller &, const User &user) {
            auto statements = ctx->statements();
            if (!statements)
                return databaseFailure(ctx, exchange, statements.error());
            ProfileRepository repository(**statements);
            const auto previous = repository.clearAvatar(user.id, ctx->services().clock());
            if (!previous)
                return databaseFailure(ctx, exchange, previous.error());
            if (previous->has_value()) {
                releaseFile(repository, AvatarStore(AvatarStore::directoryFor(ctx->services().config)),
                            **previous);
                ctx->events().publish(
                    {QStringLiteral("user:updated"), user.id, {}, user.id, QStringLiteral("avatar")});
            }
            exchange->respondEmpty(204);
        });
    });

    // Public: avatars appear wherever a user is shown. The key is the content's hash, so the
    // answer for a key never changes and may be cached for good.
    router.get(QStringLiteral("/avatars/{key}"), [ctx](const ExchangePtr &exchange) {
        const QString key = exchange->pathParameter(QStringLiteral("key"));
        const auto notFound = [&] {
            exchange->respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such avatar"));
        };
        if (!AvatarStore::isValidKey(key))
            return notFound();
        const QByteArray etag = '"' + key.left(64).toLatin1() + '"';
        const HeaderPairs headers{
            {QByteArrayLiteral("ETag"), etag},
            {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("public, max-age=31536000, immutable")}};
        const AvatarStore store(AvatarStore::directoryFor(ctx->services().config));
        if (etagMatches(exchange->header("If-None-Match"), etag) && store.contains(key))
            return exchange->respondEmpty(304, headers);
        const std::optional<QByteArray> bytes = store.read(key);
        if (!bytes)
            return notFound();
        exchange->respond(200, *bytes, AvatarStore::mimeTypeFor(key), headers);
    });
}

} // namespace AvatarRoutes
