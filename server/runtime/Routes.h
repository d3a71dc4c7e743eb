#pragma once

class Router;
class WorkerContext;

// Every route of the server, installed into each worker's router. Feature modules add their
// install() call here.
namespace Routes {
void installAll(Router &router, WorkerContext &context);
}
