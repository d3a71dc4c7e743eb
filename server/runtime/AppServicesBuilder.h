#pragma once

#include "AppServices.h"
#include "models/common/Result.h"

class SecretStore;

// Builds the shared services at start-up (after the secret store is open and the database is
// migrated): the user-agent parser, IP location, the JWT key ring, and this instance's public
// keys published to PostgreSQL so every instance's JWKS lists them. Blocks briefly.
namespace AppServicesBuilder {
Result<std::shared_ptr<AppServices>> build(const Config &config, SecretStore &secrets,
                                           const QString &databaseUrl);
}
