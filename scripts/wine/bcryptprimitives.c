/*
 * bcryptprimitives.c - a stand-in bcryptprimitives.dll for Wine 8, for the
 * Windows lane of the tests only (scripts/wine-test.sh builds it into the
 * lane's private Wine prefix; it is never shipped).
 *
 * Go 1.24+ programs take their random bytes from ProcessPrng in
 * bcryptprimitives.dll (Windows 10+); Wine 8 has no such DLL, so every Go
 * program dies at start. This one exports ProcessPrng on top of advapi32's
 * RtlGenRandom (SystemFunction036), which Wine has.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -s -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
