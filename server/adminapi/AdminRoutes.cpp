#include "AdminRoutes.h"

#include "models/admin/AdminRepository.h"
#include "models/users/UserRepository.h"
#include "server/events/EventPublisher.h"
#include "server/http/Router.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"
#include "server/sessions/Authenticator.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace {
using AdminHandler = std::function<void(const ExchangePtr &, const Caller &, AdminRepository &)>;

void invalidParameter(const ExchangePtr &exchange, const QString &name, const QString &message)
{
    exchange->respondJson(400, {{QStringLiteral("error"),
                                 QJsonObject{{QStringLiteral("code"), QStringLiteral("INVALID_PARAMETER")},
                                             {QStringLiteral("message"), message},
                                             {QStringLiteral("field"), name}}}});
}

// Authenticates, requires role=admin, and hands over the worker's repository.
Handler adminOnly(WorkerContext *ctx, AdminHandler handler)
{
    return [ctx, handler = std::move(handler)](const ExchangePtr &exchange) {
        Authenticator::authenticate(exchange, ctx->sessions(), ctx->services().auth,
                                    [ctx, exchange, handler](const Caller &caller) {
            if (caller.session.data.role != QLatin1String("admin")) {
                exchange->respondError(403, QStringLiteral("FORBIDDEN"), QStringLiteral("administrators only"));
                return;
            }
            auto statements = ctx->statements();
            if (!statements) {
                ServiceErrors::respond(exchange, statements.error());
                return;
            }
            AdminRepository repository(**statements);
            handler(exchange, caller, repository);
        });
    };
}

// limit (1–200, default 50) and after (a cursor from a previous page). False: answered 400.
bool readPaging(const ExchangePtr &exchange, int *limit, std::optional<AdminRepository::Cursor> *after)
{
    const QUrlQuery &query = exchange->query();
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        *limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || *limit < 1 || *limit > 200) {
            invalidParameter(exchange, QStringLiteral("limit"), QStringLiteral("limit must be a number from 1 to 200"));
            return false;
        }
    }
    if (query.hasQueryItem(QStringLiteral("after"))) {
        *after = AdminRepository::Cursor::decode(query.queryItemValue(QStringLiteral("after")));
        if (!*after) {
            invalidParameter(exchange, QStringLiteral("after"), QStringLiteral("after must be a nextCursor this API returned"));
            return false;
        }
    }
    return true;
}

bool readChoice(const ExchangePtr &exchange, const QString &name, const QStringList &allowed, QString *value)
{
    *value = exchange->query().queryItemValue(name, QUrl::FullyDecoded);
    if (value->isEmpty() || allowed.contains(*value))
        return true;
    invalidParameter(exchange, name, name + QStringLiteral(" must be one of: ") + allowed.join(QStringLiteral(", ")));
    return false;
}

QJsonValue cursorJson(const std::optional<AdminRepository::Cursor> &cursor)
{
    return cursor ? QJsonValue(cursor->encode()) : QJsonValue();
}

void setStatus(WorkerContext *ctx, const ExchangePtr &exchange, const Caller &caller, AdminRepository &repository,
               const QString &status)
{
    const QString userId = exchange->pathParameter(QStringLiteral("id"));
    if (userId == caller.session.data.userId && status == QLatin1String("disabled")) {
        exchange->respondError(409, QStringLiteral("CANNOT_DISABLE_SELF"),
                               QStringLiteral("an administrator cannot disable their own account"));
        return;
    }
    auto user = repository.setStatus(userId, status);
    if (!user) {
        ServiceErrors::respond(exchange, user.error());
        return;
    }
    if (!user->has_value()) {
        exchange->respondError(404, QStringLiteral("USER_NOT_FOUND"), QStringLiteral("no such user"));
        return;
    }
    const User updated = **user;
    const QString by = QStringLiteral("admin:") + caller.session.data.userId;
    ctx->events().publish({QStringLiteral("user:updated"), updated.id, {}, by, QStringLiteral("status:") + status});
    if (status != QLatin1String("disabled")) {
        exchange->respondJson(200, {{QStringLiteral("user"), updated.toJson()}});
        return;
    }
    // The cache holds the user's status for up to its TTL: revoking drops the keys now.
    ctx->sessions().revokeAllForUser(updated.id, {}, QStringLiteral("user_disabled"), by,
                                     [exchange, updated](Result<int> revoked) {
        if (!revoked) {
            ServiceErrors::respond(exchange, revoked.error());
            return;
        }
        exchange->respondJson(200, {{QStringLiteral("user"), updated.toJson()},
                                    {QStringLiteral("revokedSessions"), *revoked}});
    });
}
} // namespace

namespace AdminRoutes {

void install(Router &router, WorkerContext &context)
{
    WorkerContext *ctx = &context;

    router.get(QStringLiteral("/api/v1/admin/users"), adminOnly(ctx, [](const ExchangePtr &exchange, const Caller &,
                                                                          AdminRepository &repository) {
        AdminRepository::UserFilter filter;
        filter.search = exchange->query().queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded).trimmed();
        if (filter.search.size() > 255) {
            invalidParameter(exchange, QStringLiteral("q"), QStringLiteral("q is longer than 255 characters"));
            return;
        }
        if (!readChoice(exchange, QStringLiteral("status"), {QStringLiteral("active"), QStringLiteral("disabled")}, &filter.status)
            || !readChoice(exchange, QStringLiteral("role"), {QStringLiteral("user"), QStringLiteral("admin")}, &filter.role)
            || !readPaging(exchange, &filter.limit, &filter.after))
            return;
        auto page = repository.users(filter);
        if (!page) {
            ServiceErrors::respond(exchange, page.error());
            return;
        }
        QJsonArray users;
        for (const User &user : page->items)
            users.append(user.toJson());
        exchange->respondJson(200, {{QStringLiteral("users"), users}, {QStringLiteral("nextCursor"), cursorJson(page->next)}});
    }));

    router.get(QStringLiteral("/api/v1/admin/users/{id}"), adminOnly(ctx, [ctx](const ExchangePtr &exchange, const Caller &,
                                                                               AdminRepository &) {
        auto statements = ctx->statements();
        auto user = statements ? UserRepository(**statements).findById(exchange->pathParameter(QStringLiteral("id")))
                               : Result<std::optional<User>>(statements.error());
        if (!user)
            ServiceErrors::respond(exchange, user.error());
        else if (!user->has_value())
            exchange->respondError(404, QStringLiteral("USER_NOT_FOUND"), QStringLiteral("no such user"));
        else
            exchange->respondJson(200, {{QStringLiteral("user"), (*user)->toJson()}});
    }));

    router.post(QStringLiteral("/api/v1/admin/users/{id}/disable"),
                adminOnly(ctx, [ctx](const ExchangePtr &exchange, const Caller &caller, AdminRepository &repository) {
                    setStatus(ctx, exchange, caller, repository, QStringLiteral("disabled"));
                }));
    router.post(QStringLiteral("/api/v1/admin/users/{id}/enable"),
                adminOnly(ctx, [ctx](const ExchangePtr &exchange, const Caller &caller, AdminRepository &repository) {
                    setStatus(ctx, exchange, caller, repository, QStringLiteral("active"));
                }));

    router.del(QStringLiteral("/api/v1/admin/users/{id}/sessions"),
               adminOnly(ctx, [ctx](const ExchangePtr &exchange, const Caller &caller, AdminRepository &) {
        const QString userId = exchange->pathParameter(QStringLiteral("id"));
        if (!UserRepository::isUuid(userId)) {
            exchange->respondError(404, QStringLiteral("USER_NOT_FOUND"), QStringLiteral("no such user"));
            return;
        }
        ctx->sessions().revokeAllForUser(userId, {}, QStringLiteral("admin"),
                                         QStringLiteral("admin:") + caller.session.data.userId,
                                         [exchange](Result<int> revoked) {
            if (!revoked)
                ServiceErrors::respond(exchange, revoked.error());
            else
                exchange->respondJson(200, {{QStringLiteral("revoked"), *revoked}});
        });
    }));

    router.get(QStringLiteral("/api/v1/admin/sessions"), adminOnly(ctx, [](const ExchangePtr &exchange, const Caller &caller,
                                                                             AdminRepository &repository) {
        AdminRepository::SessionFilter filter;
        filter.userId = exchange->query().queryItemValue(QStringLiteral("userId"));
        if (!filter.userId.isEmpty() && !UserRepository::isUuid(filter.userId)) {
            invalidParameter(exchange, QStringLiteral("userId"), QStringLiteral("userId must be a user id (UUID)"));
            return;
        }
        if (!readChoice(exchange, QStringLiteral("status"),
                        {QStringLiteral("active"), QStringLiteral("revoked"), QStringLiteral("expired")}, &filter.status)
            || !readPaging(exchange, &filter.limit, &filter.after))
            return;
        auto page = repository.sessions(filter);
        if (!page) {
            ServiceErrors::respond(exchange, page.error());
            return;
        }
        QJsonArray sessions;
        for (const Session &session : page->items) {
            QJsonObject json = session.toJson(session.id == caller.session.sessionId);
            json.insert(QStringLiteral("userId"), session.userId);
            sessions.append(json);
        }
        exchange->respondJson(200, {{QStringLiteral("sessions"), sessions}, {QStringLiteral("nextCursor"), cursorJson(page->next)}});
    }));

    router.del(QStringLiteral("/api/v1/admin/sessions/{id}"),
               adminOnly(ctx, [ctx](const ExchangePtr &exchange, const Caller &caller, AdminRepository &) {
        static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
        const QString id = exchange->pathParameter(QStringLiteral("id"));
        const QString reason = exchange->query().queryItemValue(QStringLiteral("reason"), QUrl::FullyDecoded);
        if (reason.size() > 200) {
            invalidParameter(exchange, QStringLiteral("reason"), QStringLiteral("reason is longer than 200 characters"));
            return;
        }
        if (!hex.match(id).hasMatch()) {
            exchange->respondError(404, QStringLiteral("SESSION_NOT_FOUND"), QStringLiteral("no such session"));
            return;
        }
        ctx->sessions().revoke(id, reason.isEmpty() ? QStringLiteral("admin") : reason,
                               QStringLiteral("admin:") + caller.session.data.userId, {},
                               [exchange](Result<bool> revoked) {
            if (!revoked)
                ServiceErrors::respond(exchange, revoked.error());
            else if (!*revoked)
                exchange->respondError(404, QStringLiteral("SESSION_NOT_FOUND"), QStringLiteral("no such active session"));
            else
                exchange->respondEmpty(204);
        });
    }));
}

} // namespace AdminRoutes
