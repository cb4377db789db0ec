/* early: linked with libearly.so, whose constructor vforks early. */
#include <stdio.h>

extern int early_status;

int main(void)
{
	printf("early vfork status %d\n", early_status);
	return early_status == 5 ? 0 : 1;
}
