"""`python -m bench [--quick] [--output PATH] [--profile] [--no-nginx]`."""

from bench.cli import main

if __name__ == "__main__":
    main()
