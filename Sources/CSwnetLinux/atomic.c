#include "CSwnetLinux.h"

long swnet_atomic_add(long *counter, long delta) {
    return __atomic_add_fetch(counter, delta, __ATOMIC_SEQ_CST);
}

long swnet_atomic_load(long *counter) {
    return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}
