#include "Config.h"

#include <QThread>

int Config::effectiveWorkers() const
{
    return workers > 0 ? workers : qMax(1, QThread::idealThreadCount());
}
