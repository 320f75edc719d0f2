from nbreview.cli.main import main

raise SystemExit(main())
