"""Packaging for ntk_lit. Every setting lives in settings.ini; edit there, not here."""
import shlex
from configparser import ConfigParser
from pathlib import Path

import setuptools

here = Path(__file__).resolve().parent  # the checkout, or the unpacked sdist in an isolated build
config = ConfigParser(delimiters=['='])
if not config.read(here / 'settings.ini', encoding='utf-8'):
    raise FileNotFoundError(f'settings.ini not found in {here}: an sdist must ship it (MANIFEST.in)')
cfg = config['DEFAULT']

expected = ('version description keywords author author_email lib_name user branch license '
            'status min_python audience language git_url requirements').split()
missing = [o for o in expected if o not in cfg]
if missing: raise ValueError(f'settings.ini is missing: {missing}')

statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable']
project_urls = {}
if cfg.get('doc_host'): project_urls['Documentation'] = cfg['doc_host'] + cfg.get('doc_baseurl', '')

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
    license='Apache Software License 2.0',
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status']) - 1],
        'Intended Audience :: ' + cfg['audience'],
        'Natural Language :: ' + cfg['language'],
        'Programming Language :: Python :: 3',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    include_package_data=True,
    install_requires=shlex.split(cfg.get('requirements', '')),
    extras_require={'dev': shlex.split(cfg.get('dev_requirements', '')),
                    'sklearn': shlex.split(cfg.get('sklearn_requirements', ''))},
    python_requires='>=' + cfg['min_python'],
    long_description=(here / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f'{cfg["lib_path"]}={cfg["lib_path"]}._modidx:d'],
    },
    project_urls=project_urls,
)
