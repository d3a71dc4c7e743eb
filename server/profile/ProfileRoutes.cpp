#include "ProfileRoutes.h"

#include "AvatarRoutes.h"
#include "models/users/ProfileRepository.h"
#include "server/auth/CurrentUser.h"
#include "server/events/EventPublisher.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"

namespace {
constexpr qsizetype kNameMax = 50;         // users.first_name / last_name VARCHAR(50)
constexpr qsizetype kDisplayNameMax = 100; // users.display_name VARCHAR(100)
constexpr qsizetype kMetadataMaxBytes = 16 * 1024;

const QStringList &patchFields()
{
    static const QStringList fields{QStringLiteral("firstName"), QStringLiteral("lastName"),
                                    QStringLiteral("displayName"), QStringLiteral("metadata")};
    return fields;
}

// The API's User object plus the caller's own metadata, which only /me shows.
QJsonObject profileJson(const User &user)
{
    QJsonObject json = user.toJson();
    json.insert(QStringLiteral("metadata"), user.metadata.isEmpty()
                                                ? QJsonValue(QJsonValue::Null)
                                                : QJsonValue(user.metadata));
    return json;
}

// A required name: present means a non-null string of 1…50 characters once trimmed.
std::optional<QString> readName(JsonBody &body, const QString &field)
{
    if (!body.contains(field) || body.failed())
        return std::nullopt;
    if (body.object().value(field).isNull()) {
        body.fail(field, QStringLiteral("INVALID_FIELD"),
                  QStringLiteral("%1 cannot be removed, only changed").arg(field));
        return std::nullopt;
    }
    const std::optional<QString> value = body.optionalString(field, kNameMax, 1);
    if (!value)
        return std::nullopt;
    const QString trimmed = value->trimmed();
    if (trimmed.isEmpty()) {
        body.fail(field, QStringLiteral("FIELD_TOO_SHORT"),
                  QStringLiteral("%1 must not be blank").arg(field));
        return std::nullopt;
    }
    return trimmed;
}

// Validates the whole body before anything is written; on failure `body` holds the answer.
ProfileChanges readChanges(JsonBody &body)
{
    ProfileChanges changes;
    if (body.failed())
        return changes;
    for (auto it = body.object().begin(); it != body.object().end(); ++it) {
        if (!patchFields().contains(it.key())) {
            body.fail(it.key(), QStringLiteral("UNKNOWN_FIELD"),
                      QStringLiteral("%1 is not a profile field (allowed: %2)")
                          .arg(it.key(), patchFields().join(QStringLiteral(", "))));
            return changes;
        }
    }
    changes.firstName = readName(body, QStringLiteral("firstName"));
    changes.lastName = readName(body, QStringLiteral("lastName"));

    const QString displayName = QStringLiteral("displayName");
    if (body.contains(displayName)) {
        // null or blank clears it; the sign-up names are shown instead.
        if (body.object().value(displayName).isNull())
            changes.displayName = QString();
        else if (auto value = body.optionalString(displayName, kDisplayNameMax))
            changes.displayName = value->trimmed();
    }
    const QString metadata = QStringLiteral("metadata");
    if (body.contains(metadata)) {
        if (body.object().value(metadata).isNull())
            changes.metadata = QJsonObject();
        else if (auto value = body.optionalObject(metadata, kMetadataMaxBytes))
            changes.metadata = *value;
    }
    if (!body.failed() && changes.isEmpty())
        body.fail({}, QStringLiteral("MISSING_FIELD"),
                  QStringLiteral("send at least one of %1").arg(patchFields().join(QStringLiteral(", "))));
    return changes;
}

void databaseFailure(WorkerContext *ctx, const ExchangePtr &exchange, const Error &error)
{
    if (error.code == QLatin1String("DATABASE_UNAVAILABLE"))
        ctx->resetDatabase();
    ServiceErrors::respond(exchange, error);
}
} // namespace

namespace ProfileRoutes {

void install(Router &router, WorkerContext &context)
{
    WorkerContext *ctx = &context;

    router.get(QStringLiteral("/api/v1/me"), [ctx](const ExchangePtr &exchange) {
        CurrentUser::load(exchange, *ctx, [exchange](const Caller &, const User &user) {
            exchange->respondJson(200, {{QStringLiteral("user"), profileJson(user)}});
        });
    });

    router.patch(QStringLiteral("/api/v1/me"), [ctx](const ExchangePtr &exchange) {
        CurrentUser::load(exchange, *ctx, [ctx, exchange](const Caller &, const User &user) {
            JsonBody body(exchange);
            const ProfileChanges changes = readChanges(body);
            if (body.failed())
                return body.respondError();
            auto statements = ctx->statements();
            if (!statements)
                return databaseFailure(ctx, exchange, statements.error());
            auto updated = ProfileRepository(**statements)
                               .update(user.id, changes, ctx->services().clock());
            if (!updated)
                return databaseFailure(ctx, exchange, updated.error());
            if (!updated->has_value())
                return exchange->respondError(401, QStringLiteral("UNAUTHENTICATED"),
                                              QStringLiteral("the session's account no longer exists"));
            ctx->events().publish({QStringLiteral("user:updated"), user.id, {}, user.id,
                                   QStringLiteral("profile")});
            exchange->respondJson(200, {{QStringLiteral("user"), profileJson(**updated)}});
        });
    });

    AvatarRoutes::install(router, context);
}

} // namespace ProfileRoutes
