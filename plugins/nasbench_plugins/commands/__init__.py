"""Built-in CLI commands, added through ``nasbench_register_commands`` like anyone's."""
