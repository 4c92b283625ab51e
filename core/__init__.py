"""vocabot core: the pipeline and the learning logic, free of any chat platform or SQL."""
