// SPDX-License-Identifier: Apache-2.0
/* Placeholder: being written. */
#include "session/termstate.h"
typedef int nono_placeholder_termstate;
