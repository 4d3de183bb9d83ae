"""Built-in nasbench plugins, declared in the ``nasbench`` entry-point group like anyone's."""
