/* ctl_test.h - outpostctl test-message */
#ifndef CTL_TEST_H
#define CTL_TEST_H

/* argv[0] is "test-message"; returns the exit status */
int	 ctl_test_message(int argc, char **argv);

#endif /* CTL_TEST_H */
