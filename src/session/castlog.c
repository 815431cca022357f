// SPDX-License-Identifier: Apache-2.0
/* Placeholder: being written. */
#include "session/castlog.h"
typedef int nono_placeholder_castlog;
