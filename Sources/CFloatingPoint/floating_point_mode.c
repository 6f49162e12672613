#include "floating_point_mode.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

void spikelab_enable_flush_to_zero(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }

int spikelab_flush_to_zero_enabled(void) { return (_mm_getcsr() & 0x8040) == 0x8040; }
#else
void spikelab_enable_flush_to_zero(void) {}

int spikelab_flush_to_zero_enabled(void) { return 0; }
#endif
