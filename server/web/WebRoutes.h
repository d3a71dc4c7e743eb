#pragma once

class Router;
class WorkerContext;

// The hosted pages (API.md: `GET /` and `/ui/...`): plain HTML, CSS and JS compiled in from
// resources/web, served with their content type, an ETag (304 on If-None-Match) and
// `Cache-Control: no-cache` so a new release is picked up at once. `/` redirects to `/ui/`.
namespace WebRoutes {
void install(Router &router, WorkerContext &context);
} // namespace WebRoutes
