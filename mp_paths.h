#define SBINDIR "/usr/local/sbin"
